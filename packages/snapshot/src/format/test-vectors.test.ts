// The committed vectors pin the format: decrypting them proves this reader reads what earlier
// writers wrote, and re-encrypting with the fixed salt proves this writer still writes the same
// bytes. The files are read, never regenerated here (generate.ts is for deliberate format changes).
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveFileKeys, derivePassphraseKey } from "./derive-keys.ts";
import { unwrapDataKey } from "@nacre/core";
import { parseHeader } from "./parse-header.ts";
import { encryptBuffer } from "./transform-buffer.ts";
import type { DecryptionKey, EncryptionKey } from "./types.ts";
import { decryptCapture } from "./test-support.ts";

const dir = new URL("../../test-vectors/", import.meta.url);

interface Vector {
  name: string;
  contentType: "tar+zstd" | "tar+gzip";
  chunkSize: number;
  key:
    | { mode: "passphrase"; passphrase: string; passphraseNfc?: string; iterations: number }
    | { mode: "keyfile"; keyFileContents: string; passphrase: string; iterations: number }
    | { mode: "managed"; kek: string; dataKey: string; keyId: string; wrappedKey: string };
  plaintext: { hex: string } | { rule: string; length: number };
  fileSalt: string;
  derived: { ikm: string; payloadKey: string; macKey: string; keyCheck: string };
  headerLength: number;
  file: string;
}

interface Edit {
  op: "flip" | "truncate" | "append" | "swap" | "replace";
  offset?: number;
  bit?: number;
  length?: number;
  hex?: string;
  a?: [number, number];
  b?: [number, number];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, dir), "utf8")) as T;
const vectorNames = readdirSync(dir).filter((name) => name.endsWith(".json") && name !== "negative.json");
const bytes = (hex: string): Buffer => Buffer.from(hex, "hex");

function plaintextOf(vector: Vector): Buffer {
  if ("hex" in vector.plaintext) return bytes(vector.plaintext.hex);
  expect(vector.plaintext.rule).toBe("byte i = i mod 251");
  return Buffer.from(Array.from({ length: vector.plaintext.length }, (_, i) => i % 251));
}

function keysOf(vector: Vector, kekOverride?: string): { encrypt: EncryptionKey; decrypt: DecryptionKey } {
  const key = vector.key;
  if (key.mode === "managed") {
    const kek = bytes(kekOverride ?? key.kek);
    return {
      encrypt: { mode: "managed", keyId: key.keyId, dataKey: bytes(key.dataKey), wrappedKey: bytes(key.wrappedKey) },
      decrypt: { unwrap: async (_keyId, wrapped) => unwrapDataKey(kek, wrapped) },
    };
  }
  return { encrypt: { mode: key.mode, passphrase: key.passphrase, iterations: key.iterations }, decrypt: { passphrase: key.passphrase } };
}

describe("committed test vectors", () => {
  it("include the cases the spec promises", () => {
    expect(vectorNames.sort()).toEqual(
      expect.arrayContaining(["passphrase-100k.json", "keyfile.json", "managed.json", "empty.json", "multi-chunk-1024.json"]),
    );
    for (const name of [...vectorNames, "negative.json"]) {
      expect(readFileSync(new URL(name, dir)).length, name).toBeLessThan(20_000);
    }
  });

  it.each(vectorNames)("%s decrypts to its plaintext and re-encrypts to the identical bytes", async (name) => {
    const vector = load<Vector>(name);
    const file = bytes(vector.file);
    const plaintext = plaintextOf(vector);
    const { encrypt, decrypt } = keysOf(vector);

    const header = parseHeader(file);
    expect(header).toMatchObject({ keyMode: vector.key.mode, contentType: vector.contentType, chunkSize: vector.chunkSize, byteLength: vector.headerLength });
    expect(Buffer.from(header.fileSalt).toString("hex")).toBe(vector.fileSalt);

    const outcome = await decryptCapture(file, decrypt, [333]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.plaintext.equals(plaintext)).toBe(true);

    const again = await encryptBuffer(plaintext, { key: encrypt, contentType: vector.contentType, chunkSize: vector.chunkSize, fileSalt: bytes(vector.fileSalt) });
    expect(again.toString("hex")).toBe(vector.file);
  });

  it.each(vectorNames)("%s lists the intermediate keys a third-party implementation can check against", async (name) => {
    const vector = load<Vector>(name);
    const salt = bytes(vector.fileSalt);
    const ikm = vector.key.mode === "managed" ? bytes(vector.key.dataKey) : await derivePassphraseKey(vector.key.passphrase, salt, vector.key.iterations);
    expect(Buffer.from(ikm).toString("hex")).toBe(vector.derived.ikm);
    const keys = deriveFileKeys(ikm, salt);
    expect({ payloadKey: keys.payloadKey.toString("hex"), macKey: keys.macKey.toString("hex"), keyCheck: keys.keyCheck.toString("hex") }).toEqual({
      payloadKey: vector.derived.payloadKey,
      macKey: vector.derived.macKey,
      keyCheck: vector.derived.keyCheck,
    });
  });

  it("the key-file vector's passphrase is its file contents minus one newline, and NFC and NFD passphrases agree", async () => {
    const keyfile = load<Vector>("keyfile.json");
    expect(keyfile.key.mode === "keyfile" && keyfile.key.keyFileContents === `${keyfile.key.passphrase}\n`).toBe(true);
    const unicode = load<Vector>("passphrase-unicode.json");
    if (unicode.key.mode !== "passphrase" || unicode.key.passphraseNfc === undefined) throw new Error("vector lacks passphraseNfc");
    expect(unicode.key.passphraseNfc).not.toBe(unicode.key.passphrase);
    const outcome = await decryptCapture(bytes(unicode.file), { passphrase: unicode.key.passphraseNfc });
    expect(outcome.plaintext.equals(plaintextOf(unicode))).toBe(true);
  });

  const negative = load<{ base: string; cases: Array<{ name: string; edits: Edit[]; kek?: string; code: string }> }>("negative.json");
  it.each(negative.cases.map((c) => [c.name, c] as const))("negative vector: %s", async (_name, testCase) => {
    const base = load<Vector>(negative.base);
    let file = bytes(base.file);
    for (const edit of testCase.edits) file = applyEdit(file, edit);
    const outcome = await decryptCapture(file, keysOf(base, testCase.kek).decrypt);
    expect(outcome.error?.code).toBe(testCase.code);
    // Whatever was released before the refusal is a verified prefix, never the whole plaintext.
    const plaintext = plaintextOf(base);
    expect(outcome.plaintext.length).toBeLessThan(plaintext.length);
    expect(outcome.plaintext.equals(plaintext.subarray(0, outcome.plaintext.length))).toBe(true);
  });
});

function applyEdit(file: Buffer, edit: Edit): Buffer {
  switch (edit.op) {
    case "flip": {
      const copy = Buffer.from(file);
      copy[edit.offset!] = (copy[edit.offset!] ?? 0) ^ (1 << edit.bit!);
      return copy;
    }
    case "truncate":
      return file.subarray(0, edit.length);
    case "append":
      return Buffer.concat([file, bytes(edit.hex!)]);
    case "swap": {
      const [a, b] = [edit.a!, edit.b!];
      return Buffer.concat([file.subarray(0, a[0]), file.subarray(b[0], b[1]), file.subarray(a[1], b[0]), file.subarray(a[0], a[1]), file.subarray(b[1])]);
    }
    case "replace": {
      const copy = Buffer.from(file);
      bytes(edit.hex!).copy(copy, edit.offset!);
      return copy;
    }
  }
}

import { describe, expect, it } from "vitest";
import { DEFAULT_ITERATIONS } from "./constants.ts";
import type { SnapshotFormatError } from "./errors.ts";
import { parseHeader } from "./parse-header.ts";
import { encryptBuffer } from "./transform-buffer.ts";
import type { EncryptOptions } from "./types.ts";
import { DATA_KEY, KEY_ID, MANAGED_KEY, PASSPHRASE_KEY, bytesFrom } from "./test-support.ts";

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as SnapshotFormatError).code;
  }
}

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: SnapshotFormatError) => error.code,
  );
}

describe("parseHeader", () => {
  it("reads a passphrase header without a key, from bytes that run on into the payload", async () => {
    const salt = bytesFrom("salt", 32);
    const file = await encryptBuffer(Buffer.from("hello"), { key: PASSPHRASE_KEY, contentType: "tar+gzip", chunkSize: 4096, fileSalt: salt });
    expect(parseHeader(file)).toEqual({
      version: 1,
      suite: 1,
      keyMode: "passphrase",
      contentType: "tar+gzip",
      chunkSize: 4096,
      fileSalt: salt,
      iterations: 100_000,
      byteLength: 106,
    });
  });

  it("reads a managed header's key id and wrapped key", async () => {
    const file = await encryptBuffer(Buffer.alloc(0), { key: MANAGED_KEY, contentType: "tar+zstd" });
    const header = parseHeader(file);
    expect(header).toMatchObject({ keyMode: "managed", keyId: KEY_ID, chunkSize: 65_536, byteLength: 102 + 2 + KEY_ID.length + 40 });
    expect(Buffer.from(header.wrappedKey!).equals(Buffer.from((MANAGED_KEY as { wrappedKey: Uint8Array }).wrappedKey))).toBe(true);
  });

  it("says E_TRUNCATED for every prefix of a header, so callers know to read more", async () => {
    const file = await encryptBuffer(Buffer.from("x"), { key: MANAGED_KEY, contentType: "tar+zstd" });
    const headerLength = parseHeader(file).byteLength;
    const codes = new Set(Array.from({ length: headerLength }, (_, n) => codeOf(() => parseHeader(file.subarray(0, n)))));
    expect([...codes]).toEqual(["E_TRUNCATED"]);
  });

  it("says E_NOT_A_SNAPSHOT from the first wrong byte: gzip, zstd, text", () => {
    expect(codeOf(() => parseHeader(Buffer.of(0x1f, 0x8b)))).toBe("E_NOT_A_SNAPSHOT");
    expect(codeOf(() => parseHeader(Buffer.of(0x28, 0xb5, 0x2f, 0xfd)))).toBe("E_NOT_A_SNAPSHOT");
    expect(codeOf(() => parseHeader(Buffer.from("NACRESNQ" + "\0".repeat(200))))).toBe("E_NOT_A_SNAPSHOT");
  });
});

describe("writer options", () => {
  const base: EncryptOptions = { key: PASSPHRASE_KEY, contentType: "tar+zstd" };
  const managed = MANAGED_KEY as Extract<EncryptOptions["key"], { mode: "managed" }>;

  it.each<[string, EncryptOptions]>([
    ["iterations below 100000", { ...base, key: { mode: "passphrase", passphrase: "p", iterations: 99_999 } }],
    ["iterations above 10000000", { ...base, key: { mode: "passphrase", passphrase: "p", iterations: 10_000_001 } }],
    ["fractional iterations", { ...base, key: { mode: "keyfile", passphrase: "p", iterations: 100_000.5 } }],
    ["an empty passphrase", { ...base, key: { mode: "passphrase", passphrase: "" } }],
    ["chunk size 1023", { ...base, chunkSize: 1023 }],
    ["chunk size 4 MiB + 1", { ...base, chunkSize: 4_194_305 }],
    ["a 31-byte salt", { ...base, fileSalt: Buffer.alloc(31) }],
    ["an unknown content type", { ...base, contentType: "tar+xz" as never }],
    ["an empty key id", { ...base, key: { ...managed, keyId: "" } }],
    ["a 256-byte key id", { ...base, key: { ...managed, keyId: "k".repeat(256) } }],
    ["a 31-byte data key", { ...base, key: { ...managed, dataKey: DATA_KEY.subarray(1) } }],
    ["a 39-byte wrapped key", { ...base, key: { ...managed, wrappedKey: managed.wrappedKey.subarray(1) } }],
  ])("refuses %s with E_INVALID_OPTION", async (_name, options) => {
    expect(await rejectionCode(encryptBuffer(Buffer.from("x"), options))).toBe("E_INVALID_OPTION");
  });

  it("defaults to 600000 iterations and 64 KiB chunks", async () => {
    const file = await encryptBuffer(Buffer.from("x"), { key: { mode: "passphrase", passphrase: "p" }, contentType: "tar+zstd" });
    expect(parseHeader(file)).toMatchObject({ iterations: DEFAULT_ITERATIONS, chunkSize: 65_536 });
  });

  it("accepts a 255-byte UTF-8 key id and reads it back", async () => {
    const keyId = "ü".repeat(127) + "k";
    const file = await encryptBuffer(Buffer.from("x"), { key: { ...managed, keyId }, contentType: "tar+zstd" });
    expect(parseHeader(file).keyId).toBe(keyId);
  });
});

// The most common support case: the user has the wrong passphrase, key file or customer key. The
// reader must say so plainly and release nothing.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { OFFSET_SLOT } from "./constants.ts";
import { unwrapDataKey } from "@nacre/core";
import { encryptBuffer } from "./transform-buffer.ts";
import { KEY_ID, MANAGED_KEY, PASSPHRASE, PASSPHRASE_KEY, UNWRAP, bytesFrom, decryptCapture } from "./test-support.ts";

const PLAINTEXT = bytesFrom("wrong key plaintext", 5000);
let passphraseFile: Buffer;
let managedFile: Buffer;

beforeAll(async () => {
  passphraseFile = await encryptBuffer(PLAINTEXT, { key: PASSPHRASE_KEY, contentType: "tar+zstd", chunkSize: 1024 });
  managedFile = await encryptBuffer(PLAINTEXT, { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: 1024 });
});

describe("wrong keys", () => {
  it("a wrong passphrase is E_WRONG_KEY, points at BACKUP_PASSPHRASE, and releases nothing", async () => {
    const outcome = await decryptCapture(passphraseFile, { passphrase: `${PASSPHRASE}!` });
    expect(outcome.error?.code).toBe("E_WRONG_KEY");
    expect(outcome.error?.message).toMatch(/wrong passphrase or key file — check BACKUP_PASSPHRASE/);
    expect(outcome.plaintext).toHaveLength(0);
    expect(outcome.header).toBeUndefined();
  });

  it("a wrong key file is E_WRONG_KEY", async () => {
    const keyfile = await encryptBuffer(PLAINTEXT, { key: { mode: "keyfile", passphrase: "key A", iterations: 100_000 }, contentType: "tar+zstd" });
    expect((await decryptCapture(keyfile, { passphrase: "key B" })).error?.code).toBe("E_WRONG_KEY");
  });

  it("the wrong KEK (customer key) is E_WRONG_KEY and releases nothing", async () => {
    const otherKek = randomBytes(32);
    const outcome = await decryptCapture(managedFile, { unwrap: async (_id, wrapped) => unwrapDataKey(otherKek, wrapped) });
    expect(outcome.error?.code).toBe("E_WRONG_KEY");
    expect(outcome.error?.message).toMatch(/customer key does not open this snapshot's data key/);
    expect(outcome.plaintext).toHaveLength(0);
  });

  it("an unwrap that returns some other 32-byte key is caught by the key check", async () => {
    const outcome = await decryptCapture(managedFile, { unwrap: async () => randomBytes(32) });
    expect(outcome.error?.code).toBe("E_WRONG_KEY");
    expect(outcome.plaintext).toHaveLength(0);
  });

  it("an unwrap that fails for another reason is E_WRONG_KEY but keeps the reason", async () => {
    const reason = new Error("key service answered 503");
    const outcome = await decryptCapture(managedFile, {
      unwrap: async () => {
        throw reason;
      },
    });
    expect(outcome.error?.code).toBe("E_WRONG_KEY");
    expect(outcome.error?.message).toMatch(/503/);
    expect(outcome.error?.cause).toBe(reason);
  });

  it("the unwrap function receives the header's key id and wrapped key", async () => {
    const seen: Array<[string, number]> = [];
    const outcome = await decryptCapture(managedFile, {
      unwrap: async (keyId, wrapped) => {
        seen.push([keyId, wrapped.length]);
        return (UNWRAP as { unwrap: (k: string, w: Uint8Array) => Promise<Uint8Array> }).unwrap(keyId, wrapped);
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(seen).toEqual([[KEY_ID, 40]]);
  });
});

describe("key mode mismatches", () => {
  it("a passphrase for a managed snapshot is E_KEY_MODE", async () => {
    const outcome = await decryptCapture(managedFile, { passphrase: PASSPHRASE });
    expect(outcome.error?.code).toBe("E_KEY_MODE");
    expect(outcome.error?.message).toMatch(/managed customer key/);
  });

  it("an unwrap function for a passphrase snapshot is E_KEY_MODE", async () => {
    const outcome = await decryptCapture(passphraseFile, UNWRAP);
    expect(outcome.error?.code).toBe("E_KEY_MODE");
    expect(outcome.error?.message).toMatch(/supply the passphrase/);
  });

  it("a passphrase opens a key-file snapshot (the key file holds a passphrase)", async () => {
    const keyfile = await encryptBuffer(PLAINTEXT, { key: { mode: "keyfile", passphrase: "from the file", iterations: 100_000 }, contentType: "tar+zstd" });
    const outcome = await decryptCapture(keyfile, { passphrase: "from the file" });
    expect(outcome.error).toBeUndefined();
    expect(outcome.header?.keyMode).toBe("keyfile");
  });
});

describe("passphrase normalisation", () => {
  it("a passphrase typed in decomposed form (NFD) opens a file written with the composed form (NFC)", async () => {
    const composed = "Gr\u00fc\u00dfe caf\u00e9";
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    const file = await encryptBuffer(PLAINTEXT, { key: { mode: "passphrase", passphrase: composed, iterations: 100_000 }, contentType: "tar+zstd" });
    const outcome = await decryptCapture(file, { passphrase: decomposed });
    expect(outcome.error).toBeUndefined();
    expect(outcome.plaintext.equals(PLAINTEXT)).toBe(true);
  });

  it("uses the iteration count from the header", async () => {
    const file = await encryptBuffer(PLAINTEXT, { key: { mode: "passphrase", passphrase: PASSPHRASE, iterations: 123_456 }, contentType: "tar+zstd" });
    expect(file.readUInt32BE(OFFSET_SLOT)).toBe(123_456);
    expect((await decryptCapture(file, { passphrase: PASSPHRASE })).error).toBeUndefined();
  });
});

// Headers crafted to hurt the reader: absurd sizes and counts with a valid CRC. The reader must
// refuse them from the bytes alone, before PBKDF2 (which a hostile count could make take hours)
// and before allocating or waiting for anything the header asks for.
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { OFFSET_CHUNK_SIZE, OFFSET_CONTENT_TYPE, OFFSET_KEY_MODE, OFFSET_SLOT, OFFSET_SLOT_LENGTH, OFFSET_SUITE, OFFSET_VERSION } from "./constants.ts";
import { createDecryptStream } from "./decrypt-stream.ts";
import { derivePassphraseKey } from "./derive-keys.ts";
import type { SnapshotFormatError } from "./errors.ts";
import { encryptBuffer } from "./transform-buffer.ts";
import { MANAGED_KEY, PASSPHRASE, PASSPHRASE_KEY, UNWRAP, bytesFrom, decryptCapture, editHeader } from "./test-support.ts";

vi.mock("./derive-keys.ts", { spy: true });

let file: Buffer;

beforeAll(async () => {
  file = await encryptBuffer(bytesFrom("hostile", 3000), { key: PASSPHRASE_KEY, contentType: "tar+zstd", chunkSize: 1024 });
});

/** Feed only `bytes` (no end of input) and wait for the stream's verdict. */
function verdictWithoutEof(bytes: Buffer): Promise<SnapshotFormatError | "waiting"> {
  const stream = createDecryptStream({ key: { passphrase: PASSPHRASE } });
  stream.pipe(new Writable({ write: (_c, _e, cb) => cb() }));
  return new Promise((resolve) => {
    stream.on("error", (error) => resolve(error as SnapshotFormatError));
    stream.write(bytes);
    setTimeout(() => resolve("waiting"), 500);
  });
}

describe("hostile headers with a recomputed CRC", () => {
  const cases: Array<[string, string, (h: Buffer) => void]> = [
    ["chunk size 0", "E_HEADER_FIELD", (h) => h.writeUInt32BE(0, OFFSET_CHUNK_SIZE)],
    ["chunk size 2^31", "E_HEADER_FIELD", (h) => h.writeUInt32BE(2 ** 31, OFFSET_CHUNK_SIZE)],
    ["chunk size 1023", "E_HEADER_FIELD", (h) => h.writeUInt32BE(1023, OFFSET_CHUNK_SIZE)],
    ["chunk size 4 MiB + 1", "E_HEADER_FIELD", (h) => h.writeUInt32BE(4_194_305, OFFSET_CHUNK_SIZE)],
    ["1 iteration", "E_HEADER_FIELD", (h) => h.writeUInt32BE(1, OFFSET_SLOT)],
    ["99999 iterations", "E_HEADER_FIELD", (h) => h.writeUInt32BE(99_999, OFFSET_SLOT)],
    ["2^32 - 1 iterations", "E_HEADER_FIELD", (h) => h.writeUInt32BE(2 ** 32 - 1, OFFSET_SLOT)],
    ["key mode 0", "E_HEADER_FIELD", (h) => (h[OFFSET_KEY_MODE] = 0)],
    ["key mode 4", "E_HEADER_FIELD", (h) => (h[OFFSET_KEY_MODE] = 4)],
    ["content type 0", "E_HEADER_FIELD", (h) => (h[OFFSET_CONTENT_TYPE] = 0)],
    ["content type 3", "E_HEADER_FIELD", (h) => (h[OFFSET_CONTENT_TYPE] = 3)],
    ["managed mode with a 4-byte slot", "E_HEADER_FIELD", (h) => (h[OFFSET_KEY_MODE] = 3)],
    ["version 2", "E_UNSUPPORTED_VERSION", (h) => (h[OFFSET_VERSION] = 2)],
    ["suite 2", "E_UNSUPPORTED_VERSION", (h) => (h[OFFSET_SUITE] = 2)],
  ];

  it.each(cases)("%s is refused as %s without running PBKDF2 or allocating", async (_name, code, edit) => {
    vi.mocked(derivePassphraseKey).mockClear();
    const before = process.memoryUsage().arrayBuffers;
    const outcome = await decryptCapture(editHeader(file, edit), { passphrase: PASSPHRASE });
    expect(outcome.error?.code).toBe(code);
    expect(outcome.plaintext).toHaveLength(0);
    expect(derivePassphraseKey).not.toHaveBeenCalled();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it("a slot length of 65535 is refused from the first 50 bytes, without waiting for the slot", async () => {
    vi.mocked(derivePassphraseKey).mockClear();
    const edited = Buffer.from(file.subarray(0, 50));
    edited.writeUInt16BE(65_535, OFFSET_SLOT_LENGTH);
    const verdict = await verdictWithoutEof(edited);
    expect(verdict).not.toBe("waiting");
    expect((verdict as SnapshotFormatError).code).toBe("E_HEADER_FIELD");
    expect(derivePassphraseKey).not.toHaveBeenCalled();
  });

  it("a slot length of 1025 is refused even with a CRC that matches it", async () => {
    const edited = editHeader(Buffer.concat([file.subarray(0, 50), Buffer.alloc(1025 + 52)]), (h) => h.writeUInt16BE(1025, OFFSET_SLOT_LENGTH));
    expect((await decryptCapture(edited, { passphrase: PASSPHRASE })).error?.code).toBe("E_HEADER_FIELD");
  });

  it("a managed slot whose lengths do not add up is E_HEADER_FIELD", async () => {
    const managed = await encryptBuffer(Buffer.alloc(10), { key: MANAGED_KEY, contentType: "tar+zstd" });
    for (const edit of [
      (h: Buffer) => (h[OFFSET_SLOT] = 0), // key id length 0
      (h: Buffer) => (h[OFFSET_SLOT] = (h[OFFSET_SLOT] ?? 0) + 1), // key id overruns into the wrapped key
      (h: Buffer) => (h[OFFSET_SLOT + 1 + (h[OFFSET_SLOT] ?? 0)] = 39), // wrapped length not 40
    ]) {
      expect((await decryptCapture(editHeader(managed, edit), UNWRAP)).error?.code).toBe("E_HEADER_FIELD");
    }
  });

  it("a sane header with a valid CRC does run PBKDF2 (the spy sees real calls)", async () => {
    vi.mocked(derivePassphraseKey).mockClear();
    expect((await decryptCapture(file, { passphrase: PASSPHRASE })).error).toBeUndefined();
    expect(derivePassphraseKey).toHaveBeenCalledTimes(1);
  });
});

import fc from "fast-check";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { createSecretKey } from "node:crypto";
import { deriveFileKeys } from "./derive-keys.ts";
import { encodeHeader } from "./encode-header.ts";
import { createEncryptStream } from "./encrypt-stream.ts";
import { sealRecord } from "./seal-record.ts";
import { decryptBuffer, encryptBuffer } from "./transform-buffer.ts";
import type { EncryptionKey } from "./types.ts";
import { DATA_KEY, KEY_ID, MANAGED_KEY, PASSPHRASE, PASSPHRASE_KEY, UNWRAP, bytesFrom, decryptCapture, recordSpans, slice } from "./test-support.ts";

// Record framing overhead: 16-byte head + 16-byte GCM tag + 4-byte body CRC.
const RECORD_OVERHEAD = 36;

async function encryptSliced(plaintext: Buffer, key: EncryptionKey, chunkSize: number, sizes: number[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(slice(plaintext, sizes)), await createEncryptStream({ key, contentType: "tar+zstd", chunkSize }), sink);
  return Buffer.concat(out);
}

describe("round trip", () => {
  const modes: Array<[string, EncryptionKey, { passphrase: string } | typeof UNWRAP]> = [
    ["passphrase", PASSPHRASE_KEY, { passphrase: PASSPHRASE }],
    ["keyfile", { mode: "keyfile", passphrase: "contents of the key file", iterations: 100_000 }, { passphrase: "contents of the key file" }],
    ["managed", MANAGED_KEY, UNWRAP],
  ];

  it.each(modes)("%s mode gives back the exact bytes and reports the header", async (mode, key, decryptKey) => {
    const plaintext = bytesFrom(`round trip ${mode}`, 150_000);
    const file = await encryptBuffer(plaintext, { key, contentType: "tar+gzip" });
    const outcome = await decryptCapture(file, decryptKey, [4096, 65_536, 17]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.plaintext.equals(plaintext)).toBe(true);
    expect(outcome.header).toMatchObject({ keyMode: mode, contentType: "tar+gzip", chunkSize: 65_536, version: 1, suite: 1 });
  });

  it("uses a fresh salt per file, so the same input never gives the same bytes", async () => {
    const plaintext = bytesFrom("same input", 5000);
    const [a, b] = await Promise.all([1, 2].map(() => encryptBuffer(plaintext, { key: MANAGED_KEY, contentType: "tar+zstd" })));
    expect(a?.equals(b as Buffer)).toBe(false);
  });

  it("writes an empty input as one final record holding 0 bytes", async () => {
    const file = await encryptBuffer(Buffer.alloc(0), { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: 1024 });
    const spans = recordSpans(file);
    expect(spans).toEqual([expect.objectContaining({ index: 0, final: true })]);
    expect(spans[0]!.end - spans[0]!.start).toBe(RECORD_OVERHEAD);
    expect(await decryptBuffer(file, { key: UNWRAP })).toHaveLength(0);
  });

  it.each([1024, 2048, 3072, 1023, 1025])("an input of %i bytes with chunk size 1024 has no empty trailing record", async (length) => {
    const plaintext = bytesFrom(`multiple ${length}`, length);
    const file = await encryptBuffer(plaintext, { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: 1024 });
    const spans = recordSpans(file);
    expect(spans).toHaveLength(Math.ceil(length / 1024));
    expect(spans.map((s) => s.final)).toEqual(spans.map((_, i) => i === spans.length - 1));
    expect(spans.map((s) => s.index)).toEqual(spans.map((_, i) => i));
    expect(spans.at(-1)!.end - spans.at(-1)!.start - RECORD_OVERHEAD).toBe(length - 1024 * (spans.length - 1));
    expect((await decryptBuffer(file, { key: UNWRAP })).equals(plaintext)).toBe(true);
  });

  it("reads an empty final record after full ones, which other writers may emit", async () => {
    const fileSalt = bytesFrom("empty final salt", 32);
    const keys = deriveFileKeys(DATA_KEY, fileSalt);
    const wrappedKey = (MANAGED_KEY as { wrappedKey: Uint8Array }).wrappedKey;
    const header = encodeHeader({ keyMode: "managed", contentType: "tar+zstd", chunkSize: 1024, fileSalt, keyId: KEY_ID, wrappedKey }, keys);
    const plaintext = bytesFrom("two full chunks", 2048);
    const payloadKey = createSecretKey(keys.payloadKey);
    const file = Buffer.concat([
      header,
      sealRecord(payloadKey, 0, false, plaintext.subarray(0, 1024)),
      sealRecord(payloadKey, 1, false, plaintext.subarray(1024)),
      sealRecord(payloadKey, 2, true, Buffer.alloc(0)),
    ]);
    expect((await decryptBuffer(file, { key: UNWRAP })).equals(plaintext)).toBe(true);
  });

  it("gives the same file however the plaintext is sliced on the way in", async () => {
    const plaintext = bytesFrom("slicing", 5000);
    const salt = bytesFrom("fixed salt", 32);
    const whole = await encryptBuffer(plaintext, { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: 1024, fileSalt: salt });
    const out: Buffer[] = [];
    const stream = await createEncryptStream({ key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: 1024, fileSalt: salt });
    stream.on("data", (chunk: Buffer) => out.push(chunk));
    for (const piece of slice(plaintext, [1, 1023, 1024, 2048, 3, 1025])) stream.write(piece);
    await new Promise((resolve) => stream.end(resolve));
    expect(Buffer.concat(out).equals(whole)).toBe(true);
  });

  // Boundaries get extra weight: off-by-one bugs live at 0, chunkSize - 1, chunkSize, chunkSize + 1.
  const lengthFor = (chunkSize: number) =>
    fc.oneof(
      fc.integer({ min: 0, max: 4 * chunkSize + 7 }),
      fc.constantFrom(0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 3 * chunkSize, 3 * chunkSize + 1),
    );
  const sliceSizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 200_000 })), { minLength: 1, maxLength: 8 });

  it.each([1024, 65_536])("property: any input, sliced any way in and out, round-trips with chunk size %i", async (chunkSize) => {
    await fc.assert(
      fc.asyncProperty(lengthFor(chunkSize), fc.string(), sliceSizes, sliceSizes, async (length, seed, inSizes, outSizes) => {
        const plaintext = bytesFrom(seed, length);
        const file = await encryptSliced(plaintext, MANAGED_KEY, chunkSize, inSizes);
        expect(recordSpans(file)).toHaveLength(Math.max(1, Math.ceil(length / chunkSize)));
        const outcome = await decryptCapture(file, UNWRAP, outSizes);
        expect(outcome.error).toBeUndefined();
        expect(outcome.plaintext.equals(plaintext)).toBe(true);
      }),
      { numRuns: chunkSize === 1024 ? 150 : 40 },
    );
  });

  it("property: passphrase files round-trip too", async () => {
    await fc.assert(
      fc.asyncProperty(lengthFor(1024), fc.string(), sliceSizes, async (length, seed, outSizes) => {
        const plaintext = bytesFrom(seed, length);
        const file = await encryptBuffer(plaintext, { key: PASSPHRASE_KEY, contentType: "tar+zstd", chunkSize: 1024 });
        const outcome = await decryptCapture(file, { passphrase: PASSPHRASE }, outSizes);
        expect(outcome.error).toBeUndefined();
        expect(outcome.plaintext.equals(plaintext)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});

describe("batch reuse", () => {
  it("a consumer that hands every batch back (and scribbles on it) still gets the same snapshot, in reused buffers", async () => {
    const plaintext = bytesFrom("batch reuse", 8 * 1024 * 1024 + 777);
    const fileSalt = bytesFrom("salt", 32);
    const plain = await encryptBuffer(plaintext, { key: MANAGED_KEY, contentType: "tar+zstd", fileSalt });
    const stream = await createEncryptStream({ key: MANAGED_KEY, contentType: "tar+zstd", fileSalt });
    const out: Buffer[] = [];
    const seen = new Set<ArrayBufferLike>();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(Buffer.from(chunk)); // a copy: the batch itself goes back at once
        seen.add(chunk.buffer);
        stream.recycle(chunk);
        chunk.fill(0xee);
        callback();
      },
    });
    await pipeline(Readable.from(slice(plaintext, Array<number>(200).fill(64 * 1024))), stream, sink);
    expect(Buffer.concat(out).equals(plain)).toBe(true);
    // Eight batches of ~1 MiB went out; with each one returned, only the few in flight were ever allocated.
    expect(out.length).toBeGreaterThanOrEqual(9);
    expect(seen.size).toBeLessThanOrEqual(4);
  });
});

// The browser decryptor reads what the Node writer writes, byte for byte the same tar as the Node
// reader, however the file is sliced, and stays pull-based (memory does not grow with the file).
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Compression } from "../compress/index.ts";
import { recordSpans } from "../format/test-support.ts";
import { deriveFileKeyBits } from "./open-header.ts";
import { MAX_HEADER_LENGTH, decryptSnapshot, decryptSnapshotPayload, readSnapshotHeader } from "./index.ts";
import { DATA_KEY, compress, drain, encryptManaged, managedSnapshot, nodeRead, sourceOf, tarLike } from "./test-support.ts";

const CHUNK = 65_536;

/** Pad a compressed stream to exactly `length` bytes in a way both decompressors must skip. */
function padTo(payload: Buffer, compression: Compression, length: number): Buffer {
  const room = length - payload.length;
  if (compression === "zstd") {
    // A skippable frame: magic 0x184D2A5?, u32 LE size, then that many ignored bytes.
    const frame = Buffer.alloc(room, 0x5a);
    frame.writeUInt32LE(0x184d2a53, 0);
    frame.writeUInt32LE(room - 8, 4);
    return Buffer.concat([payload, frame]);
  }
  // An empty gzip member whose header carries a comment (FCOMMENT) of the right length.
  const comment = Buffer.alloc(room - 21, 0x61);
  const head = Buffer.from([0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 3]);
  return Buffer.concat([payload, head, comment, Buffer.from([0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])]);
}

describe.each<Compression>(["zstd", "gzip"])("decryptSnapshot, %s", (compression) => {
  const contentType = compression === "zstd" ? "tar+zstd" : "tar+gzip";

  it.each([
    ["an empty tar", 0],
    ["a 1-byte tar", 1],
    ["several chunks plus a partial one", 300_000],
    ["a few MiB, several frames or members at the writer's default 1 MiB", 5 * 1024 * 1024 + 123],
  ])("%s gives the Node reader's tar", async (_name, size) => {
    const tar = tarLike(size, size + 7);
    const file = await managedSnapshot(tar, { compression });
    if (size === 300_000) expect(recordSpans(file).length).toBeGreaterThan(2);
    const web = await drain(decryptSnapshot(sourceOf(file, [4099, 65_536, 13]).stream, DATA_KEY));
    expect(web.error).toBeUndefined();
    const node = await nodeRead(file);
    expect(node.tar?.equals(tar)).toBe(true);
    expect(web.output.equals(node.tar as Buffer)).toBe(true);
  });

  it("reads a payload of exactly one 64 KiB chunk (a full final record)", async () => {
    const tar = tarLike(40_000, 3);
    const payload = padTo(await compress(tar, compression), compression, CHUNK);
    expect(payload.length).toBe(CHUNK);
    const file = await encryptManaged(payload, contentType);
    const spans = recordSpans(file);
    expect(spans.map((s) => [s.final, s.end - s.start])).toEqual([[true, CHUNK + 36]]);
    const node = await nodeRead(file);
    expect(node.tar?.equals(tar)).toBe(true);
    const web = await drain(decryptSnapshot(sourceOf(file).stream, DATA_KEY));
    expect(web.error).toBeUndefined();
    expect(web.output.equals(tar)).toBe(true);
  });

  it("gives the input back for random tars, chunk sizes, frame sizes and source slicings (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 400_000 }).map((n) => new Uint8Array(tarLike(n, n)))),
        fc.integer({ min: 1024, max: 20_000 }),
        fc.integer({ min: 5000, max: 120_000 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
        async (tar, chunkSize, frameSize, slices) => {
          const file = await managedSnapshot(tar, { compression, chunkSize, frameSize });
          const web = await drain(decryptSnapshot(sourceOf(file, slices).stream, DATA_KEY));
          expect(web.error).toBeUndefined();
          expect(web.output.equals(Buffer.from(tar))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("pulls the file at the reader's pace: one output chunk costs a few records, not the whole file", async () => {
    const tar = tarLike(6 * 1024 * 1024, 11);
    const file = await managedSnapshot(tar, { compression, frameSize: 256 * 1024 });
    const source = sourceOf(file, [16_384]);
    const reader = decryptSnapshot(source.stream, DATA_KEY).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.pulled()).toBeLessThan(512 * 1024);
    expect(file.length).toBeGreaterThan(4 * 1024 * 1024);
    await reader.cancel();
  });

  it("never emits an outsize piece, even for 64 MiB of zeros packed into a few chunks", async () => {
    const tar = new Uint8Array(64 * 1024 * 1024);
    const file = await managedSnapshot(tar, { compression });
    expect(file.length).toBeLessThan(512 * 1024);
    let total = 0;
    let largest = 0;
    const reader = decryptSnapshot(sourceOf(file).stream, DATA_KEY).getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      total += next.value.length;
      largest = Math.max(largest, next.value.length);
      expect(next.value.every((b) => b === 0)).toBe(true);
    }
    expect(total).toBe(tar.length);
    // zstd: one block (128 KiB) per piece; gzip: whatever DecompressionStream makes of an 8 KiB slice.
    expect(largest).toBeLessThanOrEqual(compression === "zstd" ? 128 * 1024 : 9 * 1024 * 1024);
  });

  it("reports progress in file bytes, ending at the file's length", async () => {
    const file = await managedSnapshot(tarLike(500_000, 5), { compression });
    const seen: number[] = [];
    const web = await drain(decryptSnapshot(sourceOf(file, [10_000]).stream, DATA_KEY, { onProgress: (n) => seen.push(n) }));
    expect(web.error).toBeUndefined();
    expect(seen.length).toBeGreaterThan(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(file.length);
  });
});

describe("cancelling", () => {
  it("stops reading the file when the reader cancels", async () => {
    const file = await managedSnapshot(tarLike(2_000_000, 2), { compression: "zstd" });
    let cancelled: unknown;
    const inner = sourceOf(file, [8192]).stream.getReader();
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const next = await inner.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => {
        cancelled = reason ?? "cancelled";
      },
    });
    const reader = decryptSnapshot(stream, DATA_KEY).getReader();
    await reader.read();
    await reader.cancel("user closed the page");
    expect(cancelled).toBe("user closed the page");
  });
});

interface Vector {
  contentType: "tar+zstd" | "tar+gzip";
  chunkSize: number;
  key: { mode: string; dataKey?: string; keyId?: string; wrappedKey?: string };
  plaintext: { hex: string } | { rule: string; length: number };
  fileSalt: string;
  derived: { payloadKey: string; macKey: string; keyCheck: string };
  headerLength: number;
  file: string;
}

const vectorDir = new URL("../../test-vectors/", import.meta.url);
const loadVector = (name: string): Vector => JSON.parse(readFileSync(new URL(name, vectorDir), "utf8")) as Vector;
const hex = (s: string): Buffer => Buffer.from(s, "hex");
const plaintextOf = (v: Vector): Buffer =>
  "hex" in v.plaintext ? hex(v.plaintext.hex) : Buffer.from(Array.from({ length: v.plaintext.length }, (_, i) => i % 251));

describe("committed managed-mode test vectors", () => {
  const managed = ["managed.json", "multi-chunk-1024.json", "exact-multiple-1024.json"];

  it.each(managed)("%s: header, intermediate keys and payload match", async (name) => {
    const vector = loadVector(name);
    expect(vector.key.mode).toBe("managed");
    const file = hex(vector.file);
    const header = readSnapshotHeader(file.subarray(0, MAX_HEADER_LENGTH));
    expect(header).toMatchObject({ headerLength: vector.headerLength, chunkSize: vector.chunkSize, contentType: vector.contentType, keyId: vector.key.keyId });
    expect(Buffer.from(header.wrappedKey).toString("hex")).toBe(vector.key.wrappedKey);
    expect(Buffer.from(header.fileSalt).toString("hex")).toBe(vector.fileSalt);
    expect(Buffer.from(header.headerBytes).equals(file.subarray(0, vector.headerLength))).toBe(true);

    const dataKey = await crypto.subtle.importKey("raw", hex(vector.key.dataKey as string), "HKDF", false, ["deriveBits"]);
    const bits = await deriveFileKeyBits(dataKey, new Uint8Array(header.fileSalt));
    expect({ payloadKey: Buffer.from(bits.payloadKey).toString("hex"), macKey: Buffer.from(bits.macKey).toString("hex"), keyCheck: Buffer.from(bits.keyCheck).toString("hex") }).toEqual({ payloadKey: vector.derived.payloadKey, macKey: vector.derived.macKey, keyCheck: vector.derived.keyCheck });

    // The vectors' plaintexts are not compressed streams, so they are checked at the payload layer.
    const web = await drain(decryptSnapshotPayload(sourceOf(file, [100]).stream, hex(vector.key.dataKey as string)));
    expect(web.error).toBeUndefined();
    expect(web.output.equals(plaintextOf(vector))).toBe(true);
  });

  it.each(["passphrase-100k.json", "keyfile.json", "empty.json"])("%s is refused as not managed (E_KEY_MODE)", async (name) => {
    const file = hex(loadVector(name).file);
    expect(() => readSnapshotHeader(file)).toThrow(/^E_KEY_MODE: .*nacre-agent decrypt/);
    const web = await drain(decryptSnapshot(sourceOf(file).stream, DATA_KEY));
    expect(web.error?.code).toBe("E_KEY_MODE");
    expect(web.output.length).toBe(0);
  });
});

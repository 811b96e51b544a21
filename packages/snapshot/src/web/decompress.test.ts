// The decompression layer on payloads the writer does not make but a valid file could hold: other
// tools' zstd frames, every gzip header flag and block type, and refusals of unbounded windows.
import { execFileSync } from "node:child_process";
import { crc32 } from "node:zlib";
import zlib from "node:zlib";
import fc from "fast-check";
import { Decompress } from "fzstd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decompressGzip } from "./decompress-gzip.ts";
import { decompressZstd } from "./decompress-zstd.ts";
import { decryptSnapshot } from "./index.ts";
import { DATA_KEY, compress, drain, encryptManaged, sourceOf, tarLike } from "./test-support.ts";

async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** A gzip member for `data` whose header carries the optional fields `flags` asks for. */
function gzipMember(data: Uint8Array, flags: number, level = 6): Buffer {
  const raw = zlib.deflateRawSync(data, { level });
  let head = Buffer.from([0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 3]);
  if (flags & 0x04) head = Buffer.concat([head, Buffer.from([5, 0]), Buffer.from("extra")]);
  if (flags & 0x08) head = Buffer.concat([head, Buffer.from("name.tar\0")]);
  if (flags & 0x10) head = Buffer.concat([head, Buffer.from("a comment\0")]);
  if (flags & 0x02) {
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(crc32(head) & 0xffff);
    head = Buffer.concat([head, hcrc]);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  return Buffer.concat([head, raw, trailer]);
}

describe("zstd", () => {
  it("decodes the zstd CLI's frames with and without checksums and skippable frames, fed byte by byte", async () => {
    const a = tarLike(70_000, 1);
    const b = tarLike(3000, 2);
    const fa = execFileSync("zstd", ["-q", "-c", "--check", "-19"], { input: a });
    const fb = execFileSync("zstd", ["-q", "-c", "--no-check"], { input: b });
    const skippable = Buffer.concat([Buffer.from([0x5f, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from("hello")]);
    const payload = Buffer.concat([fa, skippable, fb, fa]);
    expect(await collect(decompressZstd(slices(payload, 1)))).toEqual(Buffer.concat([a, b, a]));
  });

  it("decodes any slicing of the writer's concatenated frames (property)", async () => {
    const tar = tarLike(300_000, 3);
    const payload = await compress(tar, "zstd", 20_000);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 70_000 }), async (size) => {
        expect((await collect(decompressZstd(slices(payload, size)))).equals(tar)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it("refuses a frame whose window would exceed 128 MiB, and accepts one of exactly 128 MiB", async () => {
    const frame = await compress(Buffer.from("small"), "zstd");
    // The writer's frame header: single segment with a one-byte content size (5), checksum flag.
    expect([...frame.subarray(4, 6)]).toEqual([0x24, 5]);
    // The same blocks under a header that declares a window instead: checksum flag, window descriptor.
    const withWindow = (descriptor: number) => Buffer.concat([frame.subarray(0, 4), Buffer.from([0x04, descriptor]), frame.subarray(6)]);
    expect((await collect(decompressZstd(slices(withWindow(0x88), 100)))).toString()).toBe("small");
    expect(await codeOf(collect(decompressZstd(slices(withWindow(0x90), 100))))).toBe("E_COMPRESSED_CORRUPT");
  });
});

describe("bounded work per step", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it("zstd: no single decoder push regenerates more than a few blocks, even from a chunk of compressed zeros", async () => {
    const tar = new Uint8Array(48 * 1024 * 1024);
    const file = await encryptManaged(await compress(tar, "zstd"), "tar+zstd");
    let largest = 0;
    const push = Decompress.prototype.push;
    vi.spyOn(Decompress.prototype, "push").mockImplementation(function (this: Decompress, chunk: Uint8Array, final?: boolean) {
      const ondata = this.ondata;
      let produced = 0;
      this.ondata = (data, last) => {
        produced += data.length;
        return ondata(data, last);
      };
      try {
        return push.call(this, chunk, final) as unknown;
      } finally {
        this.ondata = ondata;
        largest = Math.max(largest, produced);
      }
    });
    const outcome = await drain(decryptSnapshot(sourceOf(file).stream, DATA_KEY));
    expect(outcome.output.length).toBe(tar.length);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it("gzip: no DecompressionStream is handed more than 8 KiB at once", async () => {
    const tar = tarLike(3 * 1024 * 1024, 12);
    const file = await encryptManaged(await compress(tar, "gzip", 1024 * 1024), "tar+gzip");
    let largest = 0;
    let streams = 0;
    const Native = DecompressionStream;
    vi.stubGlobal(
      "DecompressionStream",
      class {
        readonly readable: ReadableStream<Uint8Array>;
        readonly writable: WritableStream<Uint8Array>;
        constructor(format: "gzip") {
          streams++;
          const inner = new Native(format);
          const measure = new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              largest = Math.max(largest, chunk.length);
              controller.enqueue(chunk);
            },
          });
          void measure.readable.pipeTo(inner.writable).catch(() => undefined);
          this.writable = measure.writable;
          this.readable = inner.readable as ReadableStream<Uint8Array>;
        }
      },
    );
    const outcome = await drain(decryptSnapshot(sourceOf(file).stream, DATA_KEY));
    expect(outcome.error).toBeUndefined();
    expect(outcome.output.equals(tar)).toBe(true);
    expect(streams).toBe(3); // one per member: the writer's 1 MiB frames
    expect(largest).toBe(8 * 1024);
  });
});

describe("gzip", () => {
  it("a DecompressionStream takes exactly one member — the reason payloads are split", async () => {
    const two = Buffer.concat([gzipMember(Buffer.from("a"), 0), gzipMember(Buffer.from("b"), 0)]);
    const stream = sourceOf(two).stream.pipeThrough(new DecompressionStream("gzip"));
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow();
    expect((await collect(decompressGzip(slices(two, 3)))).toString()).toBe("ab");
  });

  it("walks every header flag, stored, fixed and dynamic blocks, across members, fed byte by byte", async () => {
    const members: Buffer[] = [];
    const expected: Buffer[] = [];
    for (const [flags, data, level] of [
      [0, tarLike(30_000, 4), 6],
      [0x04 | 0x08 | 0x10 | 0x02, tarLike(5000, 5), 9],
      [0x08, Buffer.from("fixed Huffman codes for short input"), 1],
      [0, tarLike(70_000, 6), 0], // stored blocks
      [0x10, Buffer.alloc(0), 6],
      [0, Buffer.alloc(60_000, 7), 9], // long matches
    ] as const) {
      members.push(gzipMember(data, flags, level));
      expected.push(data);
    }
    const payload = Buffer.concat(members);
    expect(zlib.gunzipSync(payload).equals(Buffer.concat(expected))).toBe(true);
    expect((await collect(decompressGzip(slices(payload, 1)))).equals(Buffer.concat(expected))).toBe(true);
  });

  it("finds the end of random members at random levels and slicings (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 60_000 }).map((n) => tarLike(n, n))), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 20_000 }),
        async (parts, size) => {
          const payload = Buffer.concat(parts.map(([data, level]) => zlib.gzipSync(data, { level })));
          const expected = Buffer.concat(parts.map(([data]) => Buffer.from(data)));
          expect((await collect(decompressGzip(slices(payload, size)))).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("refuses a member whose data fails its CRC (DecompressionStream's check surfaces coded)", async () => {
    const member = gzipMember(tarLike(10_000, 8), 0);
    member.writeUInt32LE(member.readUInt32LE(member.length - 8) ^ 1, member.length - 8);
    const file = await encryptManaged(member, "tar+gzip");
    const outcome = await drain(decryptSnapshot(sourceOf(file).stream, DATA_KEY));
    expect(outcome.error?.code).toBe("E_COMPRESSED_CORRUPT");
  });

  it("refuses reserved header flags and block type 3", async () => {
    const flagged = gzipMember(Buffer.from("x"), 0);
    flagged[3] = 0x20;
    expect(await codeOf(collect(decompressGzip(slices(flagged, 100))))).toBe("E_COMPRESSED_CORRUPT");
    const reservedBlock = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.from([0x07, 0, 0, 0, 0, 0, 0, 0, 0])]);
    expect(await codeOf(collect(decompressGzip(slices(reservedBlock, 100))))).toBe("E_COMPRESSED_CORRUPT");
  });
});

import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { chainStreams } from "../pipeline/chain-streams.ts";
import { compressSource, createDecompressStages, FrameCompressor, detectContent, iterableSource, type Compression } from "./index.ts";
import type { ZstdFrameDecompressor } from "./zstd-frame-decompressor.ts";

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function compressible(n: number): Buffer {
  const words = ["memory ", "agent ", "reply ", "skill ", "session ", "{\"role\":\"user\"} "];
  const out = Buffer.alloc(n);
  let o = 0;
  for (let i = 0; o < n; i++) o += out.write(words[(i * 7) % words.length]!, o);
  return out;
}

async function roundTrip(kind: Compression, input: Buffer, frameSize: number, sliceSize: number) {
  const slices = [];
  for (let i = 0; i < input.length; i += sliceSize) slices.push(input.subarray(i, i + sliceSize));
  const compressed = await collect(compressSource(Readable.from(slices), kind, { frameSize, concurrency: 3 }));
  const restored = await collect(chainStreams(Readable.from([compressed]), ...createDecompressStages(kind)));
  return { compressed, restored };
}

describe.each<Compression>(["zstd", "gzip"])("%s frames", (kind) => {
  it("round-trips inputs of every shape: empty, below, at and across frame boundaries", async () => {
    for (const size of [0, 1, 999, 1000, 1001, 5000, 12_345]) {
      const input = Buffer.concat([compressible(size >> 1), randomBytes(size - (size >> 1))]);
      const { restored } = await roundTrip(kind, input, 1000, 333);
      expect(restored.equals(input), `size ${size}`).toBe(true);
    }
  });

  it("writes a file the standard command-line tool decompresses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nacre-compress-"));
    const input = Buffer.concat([compressible(300_000), randomBytes(100_000)]);
    const { compressed } = await roundTrip(kind, input, 64 * 1024, 10_000);
    const file = join(dir, kind === "zstd" ? "x.zst" : "x.gz");
    writeFileSync(file, compressed);
    execFileSync(kind === "zstd" ? "zstd" : "gzip", ["-d", "-q", "-f", file]);
    expect(readFileSync(join(dir, "x")).equals(input)).toBe(true);
    expect(detectContent(compressed)).toBe(kind);
  });

  it("actually compresses text", async () => {
    const input = compressible(1_000_000);
    const { compressed } = await roundTrip(kind, input, 256 * 1024, 65536);
    expect(compressed.length).toBeLessThan(input.length / 10);
  });
});

describe("zstd output memory", () => {
  // Reads every part, copies it out, and (if asked) releases it at once, as the encryptor and the stores do.
  async function consume(release: boolean, input: Buffer, frameSize = 64 * 1024) {
    const stream = compressSource(Readable.from([input]), "zstd", { frameSize, concurrency: 3 });
    const copies: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    for await (const part of stream as AsyncIterable<Buffer>) {
      copies.push(Buffer.from(part));
      memories.add(part.buffer);
      if (release) stream.release(part);
    }
    const restored = await collect(chainStreams(Readable.from([Buffer.concat(copies)]), ...createDecompressStages("zstd")));
    return { restored, memories: memories.size };
  }

  it("writes later frames into the memory of parts the consumer released, and every byte still comes out right", async () => {
    // 4 MiB of half-compressible data: 64 frames, most of which overflow a lane's output at least once.
    const input = Buffer.concat(Array.from({ length: 32 }, (_, i) => Buffer.concat([compressible(64 * 1024 + i), randomBytes(64 * 1024 - i)])));
    const released = await consume(true, input);
    const kept = await consume(false, input);
    expect(released.restored.equals(input)).toBe(true);
    expect(kept.restored.equals(input)).toBe(true);
    // Released: a handful of buffers, reused all along. Never released: fresh memory as frames need it.
    expect(released.memories).toBeLessThanOrEqual(8);
    expect(kept.memories).toBeGreaterThan(20);
  });

  it("round-trips with released parts when frames are tiny and many are in flight at once", async () => {
    const input = Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.concat([compressible(500 + i), randomBytes(500 - i)])));
    const { restored } = await consume(true, input, 1000);
    expect(restored.equals(input)).toBe(true);
  });
});

describe("zstd decompressor output memory", () => {
  // Reads the decompressed chunks as the extractor does (flowing, one at a time), holds the last few
  // like a reader with a read-ahead, checks each is still intact when it is handed back, then recycles it.
  async function decompress(compressed: Buffer, recycle: boolean) {
    const decompressor = createDecompressStages("zstd")[0] as ZstdFrameDecompressor;
    const stream = chainStreams(Readable.from([compressed]), decompressor);
    const out: Buffer[] = [];
    const held: { chunk: Buffer; copy: Buffer }[] = [];
    const memories = new Set<ArrayBufferLike>();
    let changed = 0;
    const giveBack = (h: { chunk: Buffer; copy: Buffer }) => {
      if (!h.chunk.equals(h.copy)) changed++;
      if (recycle) decompressor.recycle(h.chunk);
    };
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (chunk: Buffer) => {
        memories.add(chunk.buffer);
        const copy = Buffer.from(chunk);
        out.push(copy);
        held.push({ chunk, copy });
        if (held.length > 3) giveBack(held.shift()!);
      });
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    held.forEach(giveBack);
    return { restored: Buffer.concat(out), memories: memories.size, changed };
  }

  it("decompresses later frames into the memory of recycled chunks, never into one still held", async () => {
    const input = Buffer.concat(Array.from({ length: 48 }, (_, i) => Buffer.concat([compressible(40 * 1024 + i), randomBytes(24 * 1024 - i)])));
    const compressed = await collect(compressSource(Readable.from([input]), "zstd", { frameSize: 64 * 1024 }));
    const recycled = await decompress(compressed, true);
    const kept = await decompress(compressed, false);
    expect(recycled.restored.equals(input)).toBe(true);
    expect(kept.restored.equals(input)).toBe(true);
    expect(recycled.changed).toBe(0);
    // Recycled: the lanes' few buffers plus those the reader holds, reused all along; otherwise one per frame.
    expect(recycled.memories).toBeLessThanOrEqual(availableParallelism() + 8);
    expect(kept.memories).toBeGreaterThanOrEqual(48);
  });
});

describe("FrameCompressor", () => {
  it("emits frames in input order even when later frames finish first, with bounded work in flight", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slowFirst = async (block: Buffer) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, block[0] === 0 ? 30 : 1));
      inFlight--;
      return Buffer.from(block);
    };
    const input = Buffer.alloc(100 * 64);
    for (let i = 0; i < 100; i++) input.fill(i, i * 64, i * 64 + 64);
    const out = await collect(new FrameCompressor(iterableSource(Readable.from([input])), { compress: slowFirst, release: () => undefined, close: () => undefined }, { frameSize: 64, concurrency: 4 }));
    expect(out.equals(input)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it("fails the stream when a frame fails, instead of emitting a short file", async () => {
    const failing = async (block: Buffer) => {
      if (block[0] === 3) throw new Error("pool exploded");
      return Buffer.from(block);
    };
    const input = Buffer.alloc(10 * 16);
    for (let i = 0; i < 10; i++) input.fill(i, i * 16, i * 16 + 16);
    const sink: Buffer[] = [];
    await expect(
      pipeline(new FrameCompressor(iterableSource(Readable.from([input])), { compress: failing, release: () => undefined, close: () => undefined }, { frameSize: 16, concurrency: 2 }), async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) sink.push(c);
      }),
    ).rejects.toThrow("pool exploded");
  });
});

describe("detectContent", () => {
  it("recognises the snapshot magic and rejects anything else", () => {
    expect(detectContent(Buffer.from("NACRESNP\x01"))).toBe("snapshot");
    expect(detectContent(Buffer.from("hello world"))).toBe("unknown");
    expect(detectContent(Buffer.alloc(0))).toBe("unknown");
  });
});

describe("zstd frames made by other tools", () => {
  it("decompresses the zstd CLI's own multi-frame output, with checksums and skippable frames, fed byte by byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nacre-zstd-"));
    const a = compressible(70_000);
    const b = randomBytes(3000);
    writeFileSync(join(dir, "a"), a);
    writeFileSync(join(dir, "b"), b);
    const fa = execFileSync("zstd", ["-q", "-c", "--check", join(dir, "a")]);
    const fb = execFileSync("zstd", ["-q", "-c", "--no-check", join(dir, "b")]);
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from("hello")]);
    const file = Buffer.concat([fa, skippable, fb, fa]);
    const bytes = [...file].map((x) => Buffer.from([x]));
    const out = await collect(chainStreams(Readable.from(bytes), ...createDecompressStages("zstd")));
    expect(out.equals(Buffer.concat([a, b, a]))).toBe(true);
  });

  it("keeps the order when a frame too big to gather (the CLI's one frame per file) sits between small ones", async () => {
    const ours = await collect(compressSource(Readable.from([compressible(3_000_000)]), "zstd", { frameSize: 256 * 1024 }));
    const big = randomBytes(5 * 1024 * 1024); // incompressible: over 4 MiB compressed, so it streams in order
    const bigFrame = execFileSync("zstd", ["-q", "-c", "-1"], { input: big, maxBuffer: 64 * 1024 * 1024 });
    const slices = (b: Buffer, n: number) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));
    const file = Buffer.concat([ours, bigFrame, ours]);
    const out = await collect(chainStreams(Readable.from(slices(file, 65_536)), ...createDecompressStages("zstd")));
    expect(out.equals(Buffer.concat([compressible(3_000_000), big, compressible(3_000_000)]))).toBe(true);
  });

  it("reports garbage after the last frame instead of ignoring it", async () => {
    const frame = execFileSync("zstd", ["-q", "-c"], { input: Buffer.from("data") });
    const stream = chainStreams(Readable.from([Buffer.concat([frame, Buffer.from("garbage!")])]), ...createDecompressStages("zstd"));
    await expect(collect(stream)).rejects.toThrow(/E_COMPRESSED_CORRUPT/);
  });
});

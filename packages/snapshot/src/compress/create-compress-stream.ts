import { availableParallelism } from "node:os";
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import { gzipFrames, zstdLanes } from "./frame-codecs.ts";
import { FrameCompressor, type ByteSource } from "./frame-compressor.ts";
import { iterableSource } from "./iterable-source.ts";
import { ZstdFrameDecompressor } from "./zstd-frame-decompressor.ts";

export type Compression = "zstd" | "gzip";

export interface CompressOptions {
  /** zstd 1..19 (default 1, see DEFAULT_ZSTD_LEVEL) or gzip 1..9 (default 6). */
  level?: number;
  /** Bytes per independent frame; default 1 MiB (decision 0002). */
  frameSize?: number;
  /** Frames compressed at once; default one per core plus one, so the pool never idles. */
  concurrency?: number;
}

const DEFAULT_FRAME_SIZE = 1024 * 1024;

/**
 * zstd level 1 rather than zstd's own default of 3: ~13% less CPU for the whole backup for ~1.4% more
 * bytes on the reference set; on two cores the compressor is the bottleneck (docs/decisions/0004).
 */
export const DEFAULT_ZSTD_LEVEL = 1;

/**
 * The compressed bytes of a source, zstd or gzip, in parallel independent frames (see FrameCompressor).
 * A ByteSource (the archive writer) is read straight into the compressor's blocks; any other byte
 * stream is copied in.
 */
export function compressSource(input: ByteSource | AsyncIterable<Uint8Array>, kind: Compression, opts: CompressOptions = {}): FrameCompressor {
  const source = Symbol.asyncIterator in input ? iterableSource(input) : input;
  const frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
  // One frame per core plus one, so the pool never idles while the main thread fills the next block.
  const concurrency = opts.concurrency ?? availableParallelism() + 1;
  const codec = kind === "zstd" ? zstdLanes(concurrency, opts.level ?? DEFAULT_ZSTD_LEVEL, frameSize) : gzipFrames(opts.level ?? 6, frameSize);
  return new FrameCompressor(source, codec, { frameSize, concurrency });
}

/**
 * The stages that decompress a zstd or gzip file, including concatenated frames/members; pipe through
 * them in order. zstd frames are decoded a few at a time (see ZstdFrameDecompressor).
 */
export function createDecompressStages(kind: Compression): Transform[] {
  // 256 KiB output slices: with the default 16 KiB, decompressing 1 GiB costs ~70,000 round trips to
  // the main thread, the largest single cost of a restore (measured 10.1 s → 7.1 s on the reference set).
  if (kind === "gzip") return [zlib.createGunzip({ chunkSize: 256 * 1024 })];
  return [new ZstdFrameDecompressor(availableParallelism())];
}

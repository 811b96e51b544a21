import { availableParallelism } from "node:os";
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import { gzipFrames, zstdLanes } from "./frame-codecs.ts";
import { FrameCompressor } from "./frame-compressor.ts";
import { ZstdFrameSplitter } from "./zstd-frame-splitter.ts";

export type Compression = "zstd" | "gzip";

export interface CompressOptions {
  /** zstd 1..19 (default 3) or gzip 1..9 (default 6). */
  level?: number;
  /** Bytes per independent frame; default 2 MiB. */
  frameSize?: number;
  /** Frames compressed at once; default one per core plus one, so the pool never idles. */
  concurrency?: number;
}

const DEFAULT_FRAME_SIZE = 2 * 1024 * 1024;

/** A Transform compressing with zstd or gzip in parallel independent frames (see FrameCompressor). */
export function createCompressStream(kind: Compression, opts: CompressOptions = {}): Transform {
  const frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
  // One frame per core plus one, so the pool never idles while the main thread hands out the next block.
  const concurrency = opts.concurrency ?? availableParallelism() + 1;
  const codec = kind === "zstd" ? zstdLanes(concurrency, opts.level ?? 3, frameSize) : gzipFrames(opts.level ?? 6, frameSize);
  return new FrameCompressor(codec, { frameSize, concurrency });
}

/**
 * The stages that decompress a zstd or gzip file, including concatenated frames/members; pipe through
 * them in order. zstd needs two (see ZstdFrameSplitter).
 */
export function createDecompressStages(kind: Compression): Transform[] {
  if (kind === "gzip") return [zlib.createGunzip()];
  return [new ZstdFrameSplitter(), zlib.createZstdDecompress()];
}

import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import { FrameCompressor, type CompressFrame } from "./frame-compressor.ts";
import { ZstdFrameSplitter } from "./zstd-frame-splitter.ts";

export type Compression = "zstd" | "gzip";

export interface CompressOptions {
  /** zstd 1..19 (default 3) or gzip 1..9 (default 6). */
  level?: number;
  /** Bytes per independent frame; default 4 MiB. */
  frameSize?: number;
  /** Frames compressed at once; default one per core plus one, so the pool never idles. */
  concurrency?: number;
}

const zstdCompress = promisify(zlib.zstdCompress);
const gzip = promisify(zlib.gzip);

const DEFAULT_FRAME_SIZE = 4 * 1024 * 1024;

/** A Transform compressing with zstd or gzip in parallel independent frames (see FrameCompressor). */
export function createCompressStream(kind: Compression, opts: CompressOptions = {}): Transform {
  const frame = frameFunction(kind, opts.level);
  return new FrameCompressor(frame, {
    frameSize: opts.frameSize ?? DEFAULT_FRAME_SIZE,
    concurrency: opts.concurrency ?? availableParallelism() + 1,
  });
}

/**
 * The stages that decompress a zstd or gzip file, including concatenated frames/members; pipe through
 * them in order. zstd needs two (see ZstdFrameSplitter).
 */
export function createDecompressStages(kind: Compression): Transform[] {
  if (kind === "gzip") return [zlib.createGunzip()];
  return [new ZstdFrameSplitter(), zlib.createZstdDecompress()];
}

function frameFunction(kind: Compression, level: number | undefined): CompressFrame {
  if (kind === "zstd") {
    // Frame checksums stay on: encrypted snapshots are authenticated anyway, but an unencrypted
    // backup (encryption.enabled: false) has only this to catch corruption.
    const params = {
      [zlib.constants.ZSTD_c_compressionLevel]: level ?? 3,
      [zlib.constants.ZSTD_c_checksumFlag]: 1,
    };
    return (block) => zstdCompress(block, { params }) as Promise<Buffer>;
  }
  const gzipLevel = level ?? 6;
  return (block) => gzip(block, { level: gzipLevel }) as Promise<Buffer>;
}

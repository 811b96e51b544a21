import zlib from "node:zlib";
import type { FrameCodec } from "./frame-compressor.ts";

/**
 * zstd frames through a few long-lived compression streams ("lanes"). Each lane keeps its zstd context
 * between frames — the one-shot API builds and frees a context (several MiB of tables) per frame,
 * which showed up as page faults, GC pressure and ~200 MiB of allocator high-water mark. A frame is
 * one write followed by a ZSTD_e_end flush, so every frame is complete and independent.
 */
export function zstdLanes(lanes: number, level: number, frameSize: number): FrameCodec {
  return lanePool(lanes, () =>
    zlib.createZstdCompress({
      // Frame checksums stay on: encrypted snapshots are authenticated anyway, but an unencrypted
      // backup (encryption.enabled: false) has only this to catch corruption.
      params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
      // One output slice per frame: Node otherwise returns to the main thread every 16 KiB of output.
      chunkSize: outputBound(frameSize),
    }),
    zlib.constants.ZSTD_e_end,
  );
}

/** gzip members the same way; a full flush does not end a member, so each frame gets its own stream. */
export function gzipFrames(level: number, frameSize: number): FrameCodec {
  const gzip = (block: Buffer) =>
    new Promise<Buffer>((resolve, reject) => zlib.gzip(block, { level, chunkSize: outputBound(frameSize) }, (err, out) => (err ? reject(err) : resolve(out))));
  return { compress: gzip, close: () => undefined };
}

type CompressStream = zlib.ZstdCompress;

function lanePool(size: number, open: () => CompressStream, endFrame: number): FrameCodec {
  const idle: Lane[] = [];
  const all: Lane[] = [];
  const waiting: ((lane: Lane) => void)[] = [];
  const acquire = (): Promise<Lane> => {
    const lane = idle.pop();
    if (lane) return Promise.resolve(lane);
    if (all.length < size) {
      const fresh = new Lane(open(), endFrame);
      all.push(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (lane: Lane) => {
    const next = waiting.shift();
    if (next) next(lane);
    else idle.push(lane);
  };
  return {
    async compress(block) {
      const lane = await acquire();
      try {
        return await lane.frame(block);
      } finally {
        release(lane);
      }
    },
    close() {
      for (const lane of all) lane.close();
    },
  };
}

class Lane {
  private readonly stream: CompressStream;
  private readonly endFrame: number;
  private parts: Buffer[] = [];
  private failure: Error | null = null;

  constructor(stream: CompressStream, endFrame: number) {
    this.stream = stream;
    this.endFrame = endFrame;
    stream.on("data", (chunk: Buffer) => this.parts.push(chunk));
    stream.on("error", (err) => (this.failure = err));
  }

  // A frame that crosses the end of the stream's output buffer comes in two parts; they are passed on
  // as they are (the next stage reads bytes, not frames) rather than joined into a fresh copy.
  frame(block: Buffer): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.stream.write(block);
      this.stream.flush(this.endFrame, () => {
        if (this.failure) return reject(this.failure);
        const out = this.parts;
        this.parts = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

/** An output size no frame of `n` input bytes exceeds (incompressible data grows by a few bytes per block). */
function outputBound(n: number): number {
  return n + (n >> 7) + 1024;
}

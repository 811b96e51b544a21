import zlib from "node:zlib";
import type { FrameCodec } from "./frame-compressor.ts";
import { OutputBuffers } from "./output-buffers.ts";

/**
 * zstd frames through a few long-lived compression streams ("lanes"). Each lane keeps its zstd context
 * between frames — the one-shot API builds and frees a context (several MiB of tables) per frame,
 * which showed up as page faults, GC pressure and ~200 MiB of allocator high-water mark.
 *
 * Every write to a lane is a whole frame: the stream's flush mode is ZSTD_e_end, so one block is one
 * thread-pool job. A write followed by a separate flush was two jobs with a hop through the main
 * thread between them, and the frame waited for that hop whenever the main thread was busy reading
 * files (backup wall time 3.11 → 2.80 s on the reference set, docs/performance.md). Given the whole
 * input and an output buffer of at least the worst-case size (the lent buffers below), zstd also
 * compresses straight from the block instead of copying it into its own window first.
 */
export function zstdLanes(lanes: number, level: number, frameSize: number): FrameCodec {
  const outputs = new OutputBuffers(outputBound(frameSize), lanes + 2);
  return lanePool(
    lanes,
    () =>
      zlib.createZstdCompress({
        // Frame checksums stay on: encrypted snapshots are authenticated anyway, but an unencrypted
        // backup (encryption.enabled: false) has only this to catch corruption.
        params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
        // One output slice per frame: Node otherwise returns to the main thread every 16 KiB of output.
        chunkSize: outputBound(frameSize),
        flush: zlib.constants.ZSTD_e_end,
      }),
    outputs,
  );
}

/** gzip members the same way; a full flush does not end a member, so each frame gets its own stream. */
export function gzipFrames(level: number, frameSize: number): FrameCodec {
  const gzip = (block: Buffer) =>
    new Promise<Buffer>((resolve, reject) => zlib.gzip(block, { level, chunkSize: outputBound(frameSize) }, (err, out) => (err ? reject(err) : resolve(out))));
  return { compress: gzip, release: () => undefined, close: () => undefined };
}

type CompressStream = zlib.ZstdCompress;

function lanePool(size: number, open: () => CompressStream, outputs: OutputBuffers): FrameCodec {
  const idle: Lane[] = [];
  const all: Lane[] = [];
  const waiting: ((lane: Lane) => void)[] = [];
  const acquire = (): Promise<Lane> => {
    const lane = idle.pop();
    if (lane) return Promise.resolve(lane);
    if (all.length < size) {
      const fresh = new Lane(open(), outputs);
      all.push(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const putBack = (lane: Lane) => {
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
        putBack(lane);
      }
    },
    release: (part) => outputs.release(part),
    close() {
      for (const lane of all) lane.close();
    },
  };
}

class Lane {
  private readonly stream: CompressStream;
  private readonly outputs: OutputBuffers;
  private parts: Buffer[] = [];
  private failure: Error | null = null;

  constructor(stream: CompressStream, outputs: OutputBuffers) {
    this.stream = stream;
    this.outputs = outputs;
    stream.on("data", (chunk: Buffer) => {
      outputs.delivered(chunk);
      this.parts.push(chunk);
    });
    stream.on("error", (err) => (this.failure = err));
  }

  // A frame that crosses the end of the stream's output buffer comes in two parts; they are passed on
  // as they are (the next stage reads bytes, not frames) rather than joined into a fresh copy.
  frame(block: Buffer): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const out = this.outputs.lend(this.stream);
      this.stream.write(block, (err) => {
        // The write's own error comes first: the stream's 'error' event is emitted after this callback.
        const failure = err ?? this.failure;
        if (failure) return reject(failure);
        const parts = this.parts;
        this.parts = [];
        if (out) this.outputs.seal(out);
        resolve(parts);
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

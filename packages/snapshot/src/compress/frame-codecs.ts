import zlib from "node:zlib";
import type { FrameCodec } from "./frame-compressor.ts";

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
    stream.on("data", (chunk: Buffer) => this.parts.push(chunk));
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
        if (out) this.outputs.track(out, parts);
        resolve(parts);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

/** The two fields of Node's zlib streams that hold the buffer the next output is written into. */
interface ZlibOutput {
  _outBuffer?: unknown;
  _outOffset?: unknown;
}

/**
 * Output buffers for the lanes, reused once the consumer has released every part cut from them.
 *
 * Node's zlib streams write their output into a buffer of `chunkSize` bytes (here a frame's bound) and
 * allocate a fresh one whenever it fills, about every other frame: 0.5 GB of garbage per GiB backed
 * up, which V8 freed only at full GCs (about fifty per backup) and which left glibc's heap ~100 MiB
 * high. There is no public way to hand zlib a buffer, so before each frame the lane points the
 * stream's own output fields at a buffer from here. Those fields are private to zlib.js, so they are
 * checked each time: if they are ever gone or changed, or zlib wrote elsewhere, nothing is reused and
 * the stream simply allocates as before.
 */
class OutputBuffers {
  private readonly size: number;
  private readonly keep: number;
  private readonly free: Buffer[] = [];
  /** Parts still with the consumer, per buffer; weak, so a consumer that never releases loses nothing. */
  private readonly lent = new WeakMap<ArrayBufferLike, { buffer: Buffer; parts: number }>();

  constructor(size: number, keep: number) {
    this.size = size;
    this.keep = keep;
  }

  /** Points the stream's next output at a free buffer (returned), or leaves it alone (null). */
  lend(stream: CompressStream): Buffer | null {
    const fields = stream as unknown as ZlibOutput;
    if (!Buffer.isBuffer(fields._outBuffer) || fields._outBuffer.length !== this.size || typeof fields._outOffset !== "number") return null;
    // Never from Node's shared pool (small sizes would be): a lent buffer must own its memory, as
    // parts are matched to it by that memory.
    const buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    fields._outBuffer = buffer;
    fields._outOffset = 0;
    return buffer;
  }

  /** Records which of a frame's parts were written into `buffer`; the buffer is reused once all are released. */
  track(buffer: Buffer, parts: Buffer[]): void {
    const count = parts.filter((p) => p.buffer === buffer.buffer).length;
    if (count > 0) this.lent.set(buffer.buffer, { buffer, parts: count });
    else this.put(buffer);
  }

  /** A part the consumer is done with; parts of buffers not lent from here are ignored. */
  release(part: Uint8Array): void {
    const entry = this.lent.get(part.buffer);
    if (!entry) return;
    if (--entry.parts > 0) return;
    this.lent.delete(part.buffer);
    this.put(entry.buffer);
  }

  private put(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}

/** An output size no frame of `n` input bytes exceeds (incompressible data grows by a few bytes per block). */
function outputBound(n: number): number {
  return n + (n >> 7) + 1024;
}

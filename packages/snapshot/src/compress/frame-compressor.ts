import { Transform, type TransformCallback } from "node:stream";

/** Compresses one independent frame off the main thread. */
export type CompressFrame = (block: Buffer) => Promise<Buffer>;

/** A set of compressors that may run at once, and how to release them when the stream ends. */
export interface FrameCodec {
  compress: CompressFrame;
  close(): void;
}

export interface FrameCompressorOptions {
  /** Plaintext bytes per independent frame. Bigger frames compress slightly better; memory grows with it. */
  frameSize: number;
  /** Frames compressing at once. Each holds one input block and, briefly, its output. */
  concurrency: number;
}

/**
 * A Transform that cuts its input into fixed-size blocks, compresses each block as an independent
 * frame on the thread pool, and emits the frames in input order.
 *
 * Why frames instead of one stream: a single zstd/gzip stream uses one core, and Node 24.21's zstd
 * stream crashes with nbWorkers > 0. Concatenated zstd frames and concatenated gzip members are both
 * valid single files for every decoder (`zstd -d`, `gunzip`, zlib's streams), so restore needs nothing
 * special. Memory stays bounded: `concurrency` blocks in flight plus one being filled, and the blocks
 * are reused rather than allocated per frame (fresh multi-MiB buffers cost page faults and GC time).
 */
export class FrameCompressor extends Transform {
  private readonly codec: FrameCodec;
  private readonly frameSize: number;
  private readonly concurrency: number;
  private readonly freeBlocks: Buffer[] = [];
  private block: Buffer;
  private filled = 0;
  private readonly inFlight: { frame: Promise<Buffer>; block: Buffer }[] = [];
  private framesEmitted = 0;

  constructor(codec: FrameCodec | CompressFrame, opts: FrameCompressorOptions) {
    super({ readableHighWaterMark: opts.frameSize });
    this.codec = typeof codec === "function" ? { compress: codec, close: () => undefined } : codec;
    this.frameSize = opts.frameSize;
    this.concurrency = Math.max(1, opts.concurrency);
    this.block = Buffer.allocUnsafe(this.frameSize);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.absorb(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    // An empty input still yields one (empty) frame so the output is a valid compressed file.
    if (this.filled > 0 || this.framesEmitted + this.inFlight.length === 0) this.submit();
    this.drainAll().then(
      () => {
        this.codec.close();
        done();
      },
      (err) => {
        this.codec.close();
        done(err);
      },
    );
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    this.codec.close();
    done(err);
  }

  private async absorb(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.frameSize - this.filled, chunk.length - offset);
      chunk.copy(this.block, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSize) {
        this.submit();
        // Backpressure: never more than `concurrency` frames waiting on the pool.
        if (this.inFlight.length >= this.concurrency) await this.emitOldest();
      }
    }
  }

  private submit(): void {
    const block = this.block;
    const frame = this.codec.compress(this.filled === this.frameSize ? block : block.subarray(0, this.filled));
    // Attach a handler now so a rejection is never "unhandled" while it waits its turn in the queue.
    frame.catch(() => undefined);
    this.inFlight.push({ frame, block });
    this.block = this.freeBlocks.pop() ?? Buffer.allocUnsafe(this.frameSize);
    this.filled = 0;
  }

  private async emitOldest(): Promise<void> {
    const { frame, block } = this.inFlight[0]!;
    const out = await frame;
    this.inFlight.shift();
    this.freeBlocks.push(block);
    this.framesEmitted++;
    this.push(out);
  }

  private async drainAll(): Promise<void> {
    while (this.inFlight.length > 0) await this.emitOldest();
  }
}

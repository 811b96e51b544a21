import { Readable } from "node:stream";

/** Compresses one independent frame off the main thread; the frame may come in several consecutive parts. */
export type CompressFrame = (block: Buffer) => Promise<Buffer | Buffer[]>;

/** A set of compressors that may run at once, and how to release them when the stream ends. */
export interface FrameCodec {
  compress: CompressFrame;
  /** Takes back a part of compress()'s output the consumer is done with, so its memory can be reused. */
  release(part: Uint8Array): void;
  close(): void;
}

/** Bytes pulled into buffers the reader owns (the archive writer is one; see createArchiveSource). */
export interface ByteSource {
  /** Fills `buf` and resolves how many bytes it wrote: all of it until the end, then less (0 after). */
  read(buf: Buffer): Promise<number>;
  close(): Promise<void>;
}

export interface FrameCompressorOptions {
  /** Plaintext bytes per independent frame. Bigger frames compress slightly better; memory grows with it. */
  frameSize: number;
  /** Frames compressing at once. Each holds one input block and, briefly, its output. */
  concurrency: number;
}

/**
 * A Readable of compressed frames: it pulls fixed-size blocks from a ByteSource into its own reused
 * buffers, compresses each block as an independent frame on the thread pool, and emits the frames in
 * input order.
 *
 * Why frames instead of one stream: a single zstd/gzip stream uses one core, and Node 24.21's zstd
 * stream crashes with nbWorkers > 0. Concatenated zstd frames and concatenated gzip members are both
 * valid single files for every decoder (`zstd -d`, `gunzip`, zlib's streams), so restore needs nothing
 * special. Why pull: the source writes straight into the block that gets compressed, so no
 * intermediate buffer is allocated per chunk (fresh multi-MiB buffers cost copies, page faults and
 * garbage collection). Memory stays bounded: `concurrency` blocks in flight plus one being filled.
 *
 * The output side works the same way: a consumer that calls release(part) once it is done with a part
 * lets the codec write later frames into the same memory. The readable side is in object mode, so each
 * part reaches the consumer as the buffer it was written in; in byte mode a reader that finds two parts
 * queued would get them joined into a fresh copy (half a gigabyte per unencrypted backup, measured).
 */
export class FrameCompressor extends Readable {
  private readonly source: ByteSource;
  private readonly codec: FrameCodec;
  private readonly frameSize: number;
  private readonly concurrency: number;
  private readonly freeBlocks: Buffer[] = [];
  private readonly inFlight: { frame: Promise<Buffer | Buffer[]>; block: Buffer }[] = [];
  private sourceEnded = false;
  private framesSubmitted = 0;
  private pumping = false;

  constructor(source: ByteSource, codec: FrameCodec, opts: FrameCompressorOptions) {
    // Two frames' worth of parts may wait for the consumer (a frame is one or two parts).
    super({ objectMode: true, highWaterMark: 4 });
    this.source = source;
    this.codec = codec;
    this.frameSize = opts.frameSize;
    this.concurrency = Math.max(1, opts.concurrency);
  }

  /** Takes back a part this stream emitted, once the consumer has written or copied it; see above. */
  release(part: Uint8Array): void {
    this.codec.release(part);
  }

  override _read(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.pump().catch((err) => this.destroy(err));
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    this.codec.close();
    this.source.close().then(
      () => done(err),
      (closeErr) => done(err ?? closeErr),
    );
  }

  /** Keeps `concurrency` frames compressing and pushes finished ones until the reader has enough. */
  private async pump(): Promise<void> {
    for (;;) {
      while (!this.sourceEnded && this.inFlight.length < this.concurrency) await this.submitNext();
      const oldest = this.inFlight.shift();
      if (!oldest) {
        this.codec.close();
        this.push(null);
        return;
      }
      const out = await oldest.frame;
      this.freeBlocks.push(oldest.block);
      if (this.destroyed) return;
      let wantsMore = true;
      for (const part of Array.isArray(out) ? out : [out]) wantsMore = this.push(part);
      if (!wantsMore) {
        this.pumping = false;
        return;
      }
    }
  }

  private async submitNext(): Promise<void> {
    const block = this.freeBlocks.pop() ?? Buffer.allocUnsafe(this.frameSize);
    const n = await this.source.read(block);
    if (n < block.length) this.sourceEnded = true;
    // An empty source still yields one (empty) frame so the output is a valid compressed file.
    if (n === 0 && this.framesSubmitted > 0) {
      this.freeBlocks.push(block);
      return;
    }
    const frame = this.codec.compress(n === block.length ? block : block.subarray(0, n));
    // Attach a handler now so a rejection is never "unhandled" while it waits its turn in the queue.
    frame.catch(() => undefined);
    this.inFlight.push({ frame, block });
    this.framesSubmitted++;
  }
}

import type zlib from "node:zlib";

/** The zlib streams whose output buffer can be lent (their `_outBuffer` fields are the same). */
type ZlibStream = zlib.ZstdCompress | zlib.ZstdDecompress;

/** The two fields of Node's zlib streams that hold the buffer the next output is written into. */
interface ZlibOutput {
  _outBuffer?: unknown;
  _outOffset?: unknown;
}

interface Loan {
  buffer: Buffer;
  /** Parts cut from the buffer that reached the consumer and have not come back. */
  outstanding: number;
  /** The stream is done writing into it (its frame is complete). */
  sealed: boolean;
}

/**
 * Output buffers for zlib streams that process one frame per write, reused once the consumer has
 * released every part cut from them.
 *
 * Node's zlib streams write their output into a buffer of `chunkSize` bytes and allocate a fresh one
 * whenever it fills: about a gigabyte of garbage per GiB of data compressed or decompressed, which V8
 * frees only at full collections (fifty to seventy per backup or restore of the reference set, each
 * costing its helper threads ~40 ms) and which left glibc's heap ~100 MiB high. There is no public way
 * to hand zlib a buffer, so before each frame the caller points the stream's own output fields at a
 * buffer from here (lend). Those fields are private to zlib.js, so they are checked each time: if they
 * are ever gone or changed, nothing is lent and the stream allocates as before. A buffer of ours always
 * passes that check, so a stream that wrote into one is always pointed at another before its next write.
 *
 * The caller reports each part the stream emits (delivered) and when the frame is complete (seal); the
 * consumer gives parts back when it is done with them (release), possibly before the frame is sealed.
 * A buffer is reused only once it is sealed and every part cut from it is back. Parts are matched to
 * their buffer by its memory; anything not cut from a lent buffer is ignored, so a consumer that copies,
 * or never releases, only loses the reuse.
 */
export class OutputBuffers {
  private readonly size: number;
  private readonly keep: number;
  private readonly free: Buffer[] = [];
  /** Weak: a buffer whose parts never come back is simply collected. */
  private readonly lent = new WeakMap<ArrayBufferLike, Loan>();

  /** Buffers of `size` bytes (the streams' chunkSize); at most `keep` are kept for reuse. */
  constructor(size: number, keep: number) {
    this.size = size;
    this.keep = keep;
  }

  /** Points the stream's next output at a free buffer (returned), or leaves it alone (null). */
  lend(stream: ZlibStream): Buffer | null {
    const fields = stream as unknown as ZlibOutput;
    if (!Buffer.isBuffer(fields._outBuffer) || fields._outBuffer.length !== this.size || typeof fields._outOffset !== "number") return null;
    // Never from Node's shared pool (small sizes would be): a lent buffer must own its memory, as
    // parts are matched to it by that memory.
    const buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    this.lent.set(buffer.buffer, { buffer, outstanding: 0, sealed: false });
    fields._outBuffer = buffer;
    fields._outOffset = 0;
    return buffer;
  }

  /** A part the stream emitted, on its way to the consumer. */
  delivered(part: Uint8Array): void {
    const loan = this.lent.get(part.buffer);
    if (loan) loan.outstanding++;
  }

  /** The stream will write no more into `buffer` (the frame it was lent for is complete). */
  seal(buffer: Buffer): void {
    const loan = this.lent.get(buffer.buffer);
    if (!loan) return;
    loan.sealed = true;
    this.settle(loan);
  }

  /** A part the consumer is done with; parts of buffers not lent from here are ignored. */
  release(part: Uint8Array): void {
    const loan = this.lent.get(part.buffer);
    if (!loan || loan.outstanding === 0) return;
    loan.outstanding--;
    this.settle(loan);
  }

  private settle(loan: Loan): void {
    if (!loan.sealed || loan.outstanding > 0) return;
    this.lent.delete(loan.buffer.buffer);
    if (this.free.length < this.keep) this.free.push(loan.buffer);
  }
}

// The archive's bytes are assembled straight into the buffer its reader provides: headers are copied in,
// file data is read from disk directly into it (no intermediate buffer, no second copy). A reader that
// recycles its buffer (as the compressor could, filling its frame blocks) reads the archive without any
// allocation; the Readable wrapper gives each chunk a fresh buffer, because a stream's chunks belong to
// its consumer.
// Headers and padding are written whole, so when one does not fit in what is left of the buffer its rest
// is carried over into the next one; file data never is, it is read only into free space.

const EMPTY = Buffer.alloc(0);

/** The buffer being filled for the reader, plus the few header or padding bytes that did not fit in it. */
export class TarOutput {
  /** The reader's buffer being filled (empty when the reader has not provided one). */
  buf: Buffer = EMPTY;
  /** Bytes of `buf` already filled. */
  used = 0;
  private carry: Buffer[] = [];

  /** Bytes left in `buf`; data is read into `buf` at `used` only while this is positive. */
  get room(): number {
    return this.buf.length - this.used;
  }

  /** No room is left: the buffer must go to the reader before more data is read. */
  get full(): boolean {
    return this.used === this.buf.length;
  }

  /** Starts filling a new reader's buffer, with the bytes carried over first. */
  provide(buf: Buffer): void {
    this.buf = buf;
    this.used = 0;
    const carried = this.carry;
    this.carry = [];
    for (const part of carried) this.write(part);
  }

  /** Hands the buffer back: returns how many bytes of it were filled. */
  take(): number {
    const n = this.used;
    this.buf = EMPTY;
    this.used = 0;
    return n;
  }

  /** Nothing waits to be handed out (end of archive). */
  get drained(): boolean {
    return this.carry.length === 0;
  }

  /** Copies bytes in; what does not fit is carried over to the next buffer. */
  write(bytes: Buffer): void {
    const n = Math.min(this.room, bytes.length);
    if (n > 0) {
      bytes.copy(this.buf, this.used, 0, n);
      this.used += n;
    }
    if (n < bytes.length) this.carry.push(bytes.subarray(n));
  }

  /** Appends n zero bytes (tar padding, or the missing tail of a file that shrank). */
  zeros(n: number): void {
    const k = Math.min(this.room, n);
    if (k > 0) {
      this.buf.fill(0, this.used, this.used + k);
      this.used += k;
    }
    if (k < n) this.carry.push(Buffer.alloc(n - k));
  }

  /** Marks n bytes written in place at `used` (by a read); n must not exceed `room`. */
  advance(n: number): void {
    this.used += n;
  }

  /** Drops the bytes written since `used` was `mark`; valid only if none were handed out or carried since. */
  rewind(mark: number): void {
    this.used = mark;
  }
}

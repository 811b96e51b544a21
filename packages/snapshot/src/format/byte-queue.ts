// A FIFO of received buffers. Parsing takes small fixed-size fields (copied only when they straddle
// two buffers) and hands record bodies out as zero-copy slices, so a stream never re-concatenates
// its backlog however the input happens to be sliced.

export class ByteQueue {
  private buffers: Buffer[] = [];
  private headOffset = 0;
  private total = 0;

  /** Bytes queued and not yet taken. */
  get length(): number {
    return this.total;
  }

  /** Append a received buffer (kept by reference, not copied). */
  push(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.buffers.push(buffer);
    this.total += buffer.length;
  }

  /** The first `n` queued bytes as one buffer, without consuming them (copies only across buffers). */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError(`peek(${n}) with ${this.total} bytes queued`);
    const first = this.buffers[0];
    if (first !== undefined && first.length - this.headOffset >= n) {
      return first.subarray(this.headOffset, this.headOffset + n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    for (let i = 0; copied < n; i++) {
      const buf = this.buffers[i] as Buffer;
      const start = i === 0 ? this.headOffset : 0;
      copied += buf.copy(out, copied, start, Math.min(buf.length, start + n - copied));
    }
    return out;
  }

  /** Consume and return exactly `n` bytes. */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  /** Consume and return up to `max` bytes from the head buffer, without copying. */
  takeSlice(max: number): Buffer {
    const first = this.buffers[0];
    if (first === undefined || max <= 0) return Buffer.alloc(0);
    const end = Math.min(first.length, this.headOffset + max);
    const slice = first.subarray(this.headOffset, end);
    this.skip(slice.length);
    return slice;
  }

  /** Drop `n` bytes from the front. */
  skip(n: number): void {
    this.total -= n;
    while (n > 0) {
      const first = this.buffers[0] as Buffer;
      const available = first.length - this.headOffset;
      if (n < available) {
        this.headOffset += n;
        return;
      }
      n -= available;
      this.buffers.shift();
      this.headOffset = 0;
    }
  }
}

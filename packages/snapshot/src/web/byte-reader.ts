// Exact-length reads over a ReadableStream of bytes. Chunks are kept by reference and copied only
// into the caller's (bounded) buffers, and a read waits for exactly as many source chunks as it
// needs: the source is pulled at the pace of decryption, never read ahead into memory.

export class ByteReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private headOffset = 0;
  private queued = 0;
  private ended = false;
  /** File offset of the next byte `take` will return. */
  offset = 0;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = source.getReader();
  }

  /** Bytes received and not yet taken. */
  get length(): number {
    return this.queued;
  }

  /** Wait until at least `n` bytes are queued; false if the source ended first (what arrived stays queued). */
  async fill(n: number): Promise<boolean> {
    while (this.queued < n && !this.ended) {
      const next = await this.reader.read();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (!(next.value instanceof Uint8Array)) throw new TypeError("the snapshot source must yield Uint8Array chunks");
      if (next.value.length === 0) continue;
      this.chunks.push(next.value);
      this.queued += next.value.length;
    }
    return this.queued >= n;
  }

  /** The first `n` queued bytes, copied, without consuming them. */
  peek(n: number): Uint8Array<ArrayBuffer> {
    return this.copy(new Uint8Array(n), n);
  }

  /** Consume exactly `n` queued bytes into `into` (or a new array). */
  take(n: number, into: Uint8Array<ArrayBuffer> = new Uint8Array(n)): Uint8Array<ArrayBuffer> {
    const out = this.copy(into, n);
    this.skip(n);
    return out;
  }

  /** Stop reading the source (after an error or a cancel); never throws. */
  async cancel(reason?: unknown): Promise<void> {
    this.chunks = [];
    this.queued = 0;
    await this.reader.cancel(reason).catch(() => undefined);
  }

  private copy(into: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
    if (n > this.queued) throw new RangeError(`${n} bytes requested, ${this.queued} queued`);
    let copied = 0;
    for (let i = 0; copied < n; i++) {
      const chunk = this.chunks[i] as Uint8Array;
      const start = i === 0 ? this.headOffset : 0;
      const part = chunk.subarray(start, Math.min(chunk.length, start + n - copied));
      into.set(part, copied);
      copied += part.length;
    }
    return n === into.length ? into : into.subarray(0, n);
  }

  private skip(n: number): void {
    this.queued -= n;
    this.offset += n;
    while (n > 0) {
      const first = this.chunks[0] as Uint8Array;
      const available = first.length - this.headOffset;
      if (n < available) {
        this.headOffset += n;
        return;
      }
      n -= available;
      this.chunks.shift();
      this.headOffset = 0;
    }
  }
}

// Part buffers of one multipart upload, reused once a part is stored. A fresh part-sized buffer per
// part (8 MiB or more) is freed only when V8 gets round to it; a 1 GiB backup left ~65 of them
// behind. A part's buffer is handed back only after its upload succeeded, so no request, retry
// included, can still be reading it when the next part is read into it.

/** A few buffers of exactly one part size, taken by the part reader and given back by the uploader. */
export class PartBuffers {
  private readonly partSize: number;
  private readonly keep: number;
  private readonly free: Buffer[] = [];

  /** `keep`: buffers held for reuse; the parts in flight plus the one being read is enough. */
  constructor(partSize: number, keep: number) {
    this.partSize = partSize;
    this.keep = keep;
  }

  /** A buffer to read the next part into. */
  take(): Buffer {
    // Never from Node's shared pool (parts under 32 KiB would be), so a part owns its memory.
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
  }

  /** A part that was stored; anything but a whole part-sized buffer (the last part, say) is ignored. */
  give(part: Uint8Array): void {
    if (part.byteOffset !== 0 || part.byteLength !== this.partSize || part.buffer.byteLength !== this.partSize) return;
    if (this.free.length < this.keep) this.free.push(Buffer.from(part.buffer, 0, this.partSize));
  }
}

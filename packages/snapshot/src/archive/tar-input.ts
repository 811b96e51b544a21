// Reads a tar byte stream block by block without copying: header blocks and body slices are views of the
// source's own chunks (a block that straddles two chunks is the only copy). The caller pulls; a slow disk
// slows the source down instead of queueing data in memory, beyond a small read-ahead (read-chunks.ts).
// Given a recycle callback, the input hands each chunk back to its producer as soon as it moves on to the
// next one; a view it returned is then valid only until the caller's next call into the input.
import { ArchiveError } from "./archive-error.ts";
import { readChunks } from "./read-chunks.ts";
import type { ChunkSource } from "./read-chunks.ts";
import type { Readable } from "node:stream";

const BLOCK = 512;
const EMPTY = Buffer.alloc(0);

/** Pull-based reader of tar blocks and entry bodies over any async byte source. */
export class TarInput {
  #source: ChunkSource;
  #recycle: ((chunk: Buffer) => void) | undefined;
  #chunk: Buffer = EMPTY;
  #pos = 0;
  #ended = false;
  /** Bytes consumed so far; entry bodies are located by offset so unread ones can be skipped. */
  offset = 0;

  /**
   * With `recycle`, every chunk of the source is passed to it once read past, so a caller must be done
   * with a block or slice (written it, decoded it) before it calls this input again.
   */
  constructor(source: Readable | AsyncIterable<Uint8Array>, recycle?: (chunk: Buffer) => void) {
    this.#source = readChunks(source);
    this.#recycle = recycle;
  }

  /** The next 512-byte block, or null at a clean end of input; throws E_ARCHIVE_TRUNCATED on a partial block. */
  async readBlock(): Promise<Buffer | null> {
    if (!(await this.#fill())) return null;
    if (this.#chunk.length - this.#pos >= BLOCK) {
      const block = this.#chunk.subarray(this.#pos, this.#pos + BLOCK);
      this.#advance(BLOCK);
      return block;
    }
    const block = Buffer.allocUnsafe(BLOCK);
    let got = 0;
    while (got < BLOCK) {
      if (!(await this.#fill())) throw truncated("in the middle of a header");
      const n = Math.min(BLOCK - got, this.#chunk.length - this.#pos);
      this.#chunk.copy(block, got, this.#pos, this.#pos + n);
      this.#advance(n);
      got += n;
    }
    return block;
  }

  /** Yields the next `size` bytes as slices of the source's chunks. */
  async *read(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (!(await this.#fill())) throw truncated("in the middle of a file");
      const n = Math.min(left, this.#chunk.length - this.#pos);
      const slice = this.#chunk.subarray(this.#pos, this.#pos + n);
      this.#advance(n);
      left -= n;
      yield slice;
    }
  }

  /** Reads `size` bytes into one buffer; only for small records (pax headers, GNU long names). */
  async readAll(size: number): Promise<Buffer> {
    // Copied piece by piece: a piece may be recycled as soon as the next one is read.
    const all = Buffer.allocUnsafe(size);
    let at = 0;
    for await (const part of this.read(size)) at += part.copy(all, at);
    return all;
  }

  /** Skips forward to an absolute offset (the end of an entry whose body was not, or not fully, read). */
  async skipTo(offset: number): Promise<void> {
    while (this.offset < offset) {
      if (!(await this.#fill())) throw truncated("in the middle of a file");
      this.#advance(Math.min(offset - this.offset, this.#chunk.length - this.#pos));
    }
  }

  /** Reads the source to its end, so upstream stages (decryption, decompression) finish and report errors. */
  async drain(): Promise<void> {
    while (await this.#fill()) this.#advance(this.#chunk.length - this.#pos);
  }

  /** Stops the source early (destroying a Readable); safe to call after the end. */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      await this.#source.stop();
    }
  }

  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      if (this.#ended) return false;
      if (this.#recycle && this.#chunk !== EMPTY) {
        const done = this.#chunk;
        this.#chunk = EMPTY;
        this.#pos = 0;
        this.#recycle(done);
      }
      const next = await this.#source.next();
      if (next === null) {
        this.#ended = true;
        return false;
      }
      this.#chunk = next;
      this.#pos = 0;
    }
    return true;
  }

  #advance(n: number): void {
    this.#pos += n;
    this.offset += n;
  }
}

function truncated(where: string): ArchiveError {
  return new ArchiveError("E_ARCHIVE_TRUNCATED", `the archive ends ${where}; the backup is incomplete, use another snapshot`);
}

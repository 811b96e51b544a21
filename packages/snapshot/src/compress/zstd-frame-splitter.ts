import { Transform, type TransformCallback } from "node:stream";

/**
 * Passes a zstd file through unchanged, but cut so that no chunk extends past the end of a frame.
 *
 * Why: Node 24's zstd decompression stream stops at the end of a frame and silently drops the rest of
 * the chunk it was given, so concatenated frames (what FrameCompressor writes) lose data when two
 * frames share a chunk. Handing it one frame's bytes at a time sidesteps that. The splitter only reads
 * the framing (frame header, block headers, checksum), never the compressed data, and needs no memory
 * beyond the few header bytes it may carry between chunks.
 */
export class ZstdFrameSplitter extends Transform {
  /** Bytes still to pass before the next structural field, or -1 when parsing a field. */
  private skip = 0;
  private state: "frame-start" | "frame-header" | "block-header" | "checksum" | "skippable-size" = "frame-start";
  private pending = Buffer.alloc(0);
  private headerNeed = 0;
  private checksumFlag = false;
  private frameEnded = true;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.split(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.push(this.pending);
    // A file cut inside a frame is left for the decompressor to report; the splitter never hides it.
    done();
  }

  /** Where the cut bytes go: pushed on by default; `frameEnd` says a frame (or skippable frame) ends here. */
  protected cut(slice: Buffer, _frameEnd: boolean): void {
    this.push(slice);
  }

  protected split(chunk: Buffer): void {
    let start = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - pos);
        this.skip -= n;
        pos += n;
        if (this.skip === 0 && this.frameEnded) {
          this.cut(chunk.subarray(start, pos), true);
          start = pos;
        }
        continue;
      }
      // Collect the bytes of the next structural field (at most 18) across chunk borders.
      const need = this.fieldLength();
      const take = Math.min(need - this.pending.length, chunk.length - pos);
      this.pending = Buffer.concat([this.pending, chunk.subarray(pos, pos + take)]);
      pos += take;
      if (this.pending.length < need) break;
      const complete = this.fieldLength() === this.pending.length && this.consumeField(this.pending);
      if (complete) {
        this.pending = Buffer.alloc(0);
      }
      if (this.frameEnded && this.skip === 0) {
        this.cut(chunk.subarray(start, pos), true);
        start = pos;
      }
    }
    if (start < chunk.length) this.cut(chunk.subarray(start), false);
  }

  /** Length of the field being parsed, given the bytes gathered so far. */
  private fieldLength(): number {
    switch (this.state) {
      case "frame-start":
        return 4;
      case "frame-header":
        return this.headerNeed;
      case "block-header":
        return 3;
      case "checksum":
        return 4;
      case "skippable-size":
        return 4;
    }
  }

  /** Interprets a complete field; returns true when `pending` can be cleared. */
  private consumeField(field: Buffer): boolean {
    switch (this.state) {
      case "frame-start": {
        const magic = field.readUInt32LE(0);
        this.frameEnded = false;
        if (magic === 0xfd2fb528) {
          this.state = "frame-header";
          this.headerNeed = 1; // the frame header descriptor, then the rest once it is known
          return true;
        }
        if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.state = "skippable-size";
          return true;
        }
        throw Object.assign(new Error("E_COMPRESSED_CORRUPT: not a zstd frame — the backup's compressed data is damaged"), { code: "E_COMPRESSED_CORRUPT" });
      }
      case "frame-header": {
        if (this.headerNeed === 1) {
          const fhd = field[0]!;
          const fcsFlag = fhd >> 6;
          const singleSegment = (fhd >> 5) & 1;
          const dictFlag = fhd & 3;
          this.checksumFlag = ((fhd >> 2) & 1) === 1;
          const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
          const rest = (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]! + fcsBytes;
          if (rest === 0) {
            this.state = "block-header";
            return true;
          }
          this.headerNeed = 1 + rest;
          return false; // keep gathering: the descriptor stays at the start of `pending`
        }
        this.state = "block-header";
        return true;
      }
      case "block-header": {
        const h = field[0]! | (field[1]! << 8) | (field[2]! << 16);
        const last = (h & 1) === 1;
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        this.skip = type === 1 ? 1 : size; // RLE blocks store one byte
        if (last) {
          if (this.checksumFlag) this.state = "checksum";
          else this.endFrame();
        }
        return true;
      }
      case "checksum":
        this.endFrame();
        return true;
      case "skippable-size":
        this.skip = field.readUInt32LE(0);
        this.state = "frame-start";
        this.frameEnded = true;
        return true;
    }
  }

  private endFrame(): void {
    this.state = "frame-start";
    this.frameEnded = true;
  }
}

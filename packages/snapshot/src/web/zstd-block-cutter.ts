// Cuts a zstd stream (concatenated frames, as FrameCompressor writes, plus skippable frames) into
// slices that each end at a block boundary, by reading only the framing: magic, frame header, block
// headers, checksum. Handing fzstd one block at a time bounds what one push can produce (a block
// regenerates at most 128 KiB) so output backpressure holds even for a 64 KiB chunk of compressed
// zeros, which would otherwise expand to gigabytes in one synchronous call. It also refuses frames
// that would make the decoder allocate an unbounded window.
import { compressedCorrupt } from "./compressed-corrupt.ts";

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50; // low 4 bits are free
/** Block_Maximum_Size of the zstd format. */
const MAX_BLOCK_SIZE = 128 * 1024;
/** The zstd CLI's default decoder limit (windowLog 27): a frame it opens without --long, this opens. */
export const MAX_WINDOW_SIZE = 128 * 1024 * 1024;

type Field = "magic" | "descriptor" | "header-rest" | "block-header" | "skippable-size";

export class ZstdBlockCutter {
  private field: Field = "magic";
  private readonly gathered = new Uint8Array(14);
  private have = 0;
  private skip = 0;
  private afterSkip: Field = "magic";
  /** The last block of a frame with a content checksum ended: 4 checksum bytes follow. */
  private checksumNext = false;
  private descriptor = 0;
  private frames = 0;

  /** `chunk` as consecutive slices, each but the last ending at a block (or frame) boundary. */
  cut(chunk: Uint8Array): Uint8Array[] {
    const slices: Uint8Array[] = [];
    let start = 0;
    let pos = 0;
    while (pos < chunk.length) {
      let boundary: boolean;
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - pos);
        this.skip -= n;
        pos += n;
        boundary = this.skip === 0 && this.endSkip();
      } else {
        const need = this.fieldLength();
        const n = Math.min(need - this.have, chunk.length - pos);
        this.gathered.set(chunk.subarray(pos, pos + n), this.have);
        this.have += n;
        pos += n;
        if (this.have < need) break;
        this.have = 0;
        boundary = this.consumeField(this.gathered.subarray(0, need));
      }
      if (boundary) {
        slices.push(chunk.subarray(start, pos));
        start = pos;
      }
    }
    if (start < chunk.length) slices.push(chunk.subarray(start));
    return slices;
  }

  /** At the end of the payload: throws unless it ended on a frame boundary after at least one frame. */
  finish(): void {
    if (this.field !== "magic" || this.have > 0 || this.skip > 0 || this.checksumNext) {
      throw compressedCorrupt("zstd", "the data ends inside a frame");
    }
    if (this.frames === 0) throw compressedCorrupt("zstd", "there is no zstd frame at all");
  }

  private fieldLength(): number {
    switch (this.field) {
      case "magic":
      case "skippable-size":
        return 4;
      case "descriptor":
        return 1;
      case "header-rest":
        return this.headerRestLength();
      case "block-header":
        return 3;
    }
  }

  /** Interpret a complete field; true when it ends a unit (the slice may be cut right after it). */
  private consumeField(bytes: Uint8Array): boolean {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (this.field) {
      case "magic": {
        const magic = view.getUint32(0, true);
        if (magic === ZSTD_MAGIC) {
          this.frames++;
          this.field = "descriptor";
        } else if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
          this.field = "skippable-size";
        } else {
          throw compressedCorrupt("zstd", "a frame does not start with the zstd magic number");
        }
        return false;
      }
      case "skippable-size":
        this.skip = view.getUint32(0, true);
        this.afterSkip = "magic";
        return this.skip === 0 && this.endSkip();
      case "descriptor":
        this.descriptor = bytes[0] ?? 0;
        if ((this.descriptor & 0x08) !== 0) throw compressedCorrupt("zstd", "a frame header sets a reserved bit");
        // Never empty: a window descriptor or a content size always follows.
        this.field = "header-rest";
        return false;
      case "header-rest":
        this.checkFrameHeader(bytes);
        this.field = "block-header";
        return false;
      case "block-header": {
        const h = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16);
        const last = (h & 1) === 1;
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        if (type === 3) throw compressedCorrupt("zstd", "a block has the reserved block type");
        if (size > MAX_BLOCK_SIZE) throw compressedCorrupt("zstd", `a block declares ${size} bytes, more than the format's 128 KiB`);
        this.skip = type === 1 ? 1 : size; // an RLE block stores one byte
        this.afterSkip = last ? "magic" : "block-header";
        this.checksumNext = last && (this.descriptor & 0x04) !== 0;
        return this.skip === 0 && this.endSkip();
      }
    }
  }

  /** A skipped body ended: go on to the next field (true), or first skip the frame's 4-byte checksum (false). */
  private endSkip(): boolean {
    if (this.checksumNext) {
      this.checksumNext = false;
      this.skip = 4;
      return false;
    }
    this.field = this.afterSkip;
    return true;
  }

  private headerRestLength(): number {
    const fcsFlag = this.descriptor >> 6;
    const singleSegment = (this.descriptor >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][this.descriptor & 3] as number;
    const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag] as number;
    return (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
  }

  /** Refuse dictionaries (Nacre never uses them) and windows the decoder would have to allocate beyond the cap. */
  private checkFrameHeader(rest: Uint8Array): void {
    const singleSegment = (this.descriptor >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][this.descriptor & 3] as number;
    let at = singleSegment ? 0 : 1;
    let dictId = 0;
    for (let i = 0; i < dictBytes; i++) dictId += (rest[at + i] ?? 0) * 2 ** (8 * i);
    at += dictBytes;
    if (dictId !== 0) throw compressedCorrupt("zstd", "a frame needs a dictionary");
    let window: number;
    if (singleSegment) {
      const fcsFlag = this.descriptor >> 6;
      window = 0;
      for (let i = 0; i < rest.length - at; i++) window += (rest[at + i] ?? 0) * 2 ** (8 * i);
      if (fcsFlag === 1) window += 256;
    } else {
      const wd = rest[0] ?? 0;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (window > MAX_WINDOW_SIZE) {
      throw compressedCorrupt("zstd", `a frame needs a ${Math.ceil(window / 2 ** 20)} MiB window, more than the ${MAX_WINDOW_SIZE / 2 ** 20} MiB a browser decrypt allows — use \`nacre-agent decrypt\``);
    }
  }
}

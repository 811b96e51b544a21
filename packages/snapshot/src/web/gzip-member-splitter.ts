// Cuts a gzip payload into pieces that never straddle two members, using scanGzipMember to find each
// member's end, so every member can go to its own DecompressionStream.
import { compressedCorrupt } from "./compressed-corrupt.ts";
import { BitInput, GzipFormatError, scanGzipMember } from "./gzip-member-scanner.ts";

export interface MemberPiece {
  bytes: Uint8Array;
  /** The member's last bytes: close its DecompressionStream after this piece. */
  endsMember: boolean;
}

export class GzipMemberSplitter {
  private readonly input = new BitInput();
  private scan: Generator<void, void, void> | undefined;
  private members = 0;

  /** `chunk` as pieces, each within one member. */
  split(chunk: Uint8Array): MemberPiece[] {
    const pieces: MemberPiece[] = [];
    this.input.chunk = chunk;
    this.input.pos = 0;
    let start = 0;
    while (this.input.pos < chunk.length) {
      if (this.scan === undefined) {
        this.scan = scanGzipMember(this.input);
        this.members++;
      }
      if (!this.step().done) break; // the scanner used up the chunk and waits for more
      pieces.push({ bytes: chunk.subarray(start, this.input.pos), endsMember: true });
      start = this.input.pos;
      this.scan = undefined;
    }
    if (start < chunk.length) pieces.push({ bytes: chunk.subarray(start), endsMember: false });
    return pieces;
  }

  /** At the end of the payload: throws unless it ended exactly after a member. */
  finish(): void {
    if (this.scan !== undefined) throw compressedCorrupt("gzip", "the data ends inside a member");
    if (this.members === 0) throw compressedCorrupt("gzip", "there is no gzip member at all");
  }

  private step(): IteratorResult<void, void> {
    try {
      return (this.scan as Generator<void, void, void>).next();
    } catch (error) {
      if (error instanceof GzipFormatError) throw compressedCorrupt("gzip", error.message, error);
      throw error;
    }
  }
}

// Reads records after the header. The checks run in the order of docs/format.md ("Decrypting"):
// framing CRC, length sanity, body CRC, then GCM under the record's clear index. Plaintext of a chunk
// is released only after its tag verifies, and the final chunk only once end of input proves that
// nothing trails it — so no diagnosis path ever hands out unauthenticated bytes.
import { createDecipheriv } from "node:crypto";
import type { DecipherGCM, KeyObject } from "node:crypto";
import { crc32 } from "node:zlib";
import type { ByteQueue } from "./byte-queue.ts";
import { meterShortLivedBuffers } from "./collect-young-garbage.ts";
import { FINAL_FLAG, RECORD_CRC_LENGTH, RECORD_HEAD_LENGTH, TAG_LENGTH } from "./constants.ts";
import { SnapshotFormatError } from "./errors.ts";
import { GCM, recordNonce } from "./seal-record.ts";

const TAIL_LENGTH = TAG_LENGTH + RECORD_CRC_LENGTH;
const REFETCH = "the file was damaged in storage or transfer; download it again or use another copy";
const DO_NOT_RESTORE = "do not restore from this file; use another copy and report it";

type Phase = "head" | "body" | "tail" | "done";

export class RecordReader {
  private readonly payloadKey: KeyObject;
  private readonly chunkSize: number;
  private phase: Phase = "head";
  /** Index the next record must carry (its position in the file). */
  private position = 0;
  /** File offset of the next byte to read. */
  private offset: number;
  /** File offset of the current record's first byte, for messages. */
  private recordAt = 0;
  private clearIndex = 0n;
  private final = false;
  private remaining = 0;
  private crc = 0;
  private decipher: DecipherGCM | undefined;
  private pieces: Buffer[] = [];
  private heldFinal: Buffer[] = [];
  /** Each decipher.update() returns a fresh buffer, copied on by the next stage (collect-young-garbage.ts). */
  private readonly opened = meterShortLivedBuffers();

  constructor(payloadKey: KeyObject, chunkSize: number, payloadOffset: number) {
    this.payloadKey = payloadKey;
    this.chunkSize = chunkSize;
    this.offset = payloadOffset;
  }

  /** Consume what the queue holds; emits the plaintext of each verified non-final chunk. */
  consume(queue: ByteQueue, emit: (plaintext: Buffer) => void): void {
    for (;;) {
      if (this.phase === "head") {
        if (queue.length < RECORD_HEAD_LENGTH) return;
        this.readHead(queue.take(RECORD_HEAD_LENGTH));
      } else if (this.phase === "body") {
        // Stream the ciphertext through CRC and GCM slice by slice: no copy of the input, no wait
        // for the whole record to arrive.
        while (this.remaining > 0 && queue.length > 0) {
          const slice = queue.takeSlice(this.remaining);
          this.crc = crc32(slice, this.crc);
          const out = (this.decipher as DecipherGCM).update(slice);
          if (out.length > 0) this.pieces.push(out);
          this.opened(out.length);
          this.remaining -= slice.length;
          this.offset += slice.length;
        }
        if (this.remaining > 0) return;
        this.phase = "tail";
      } else if (this.phase === "tail") {
        if (queue.length < TAIL_LENGTH) return;
        this.readTail(queue.take(TAIL_LENGTH), emit);
      } else {
        if (queue.length > 0) throw this.trailing();
        return;
      }
    }
  }

  /** At end of input (`leftover` bytes still queued): release the final chunk, or say what is missing. */
  finish(leftover: number, emit: (plaintext: Buffer) => void): void {
    if (this.phase === "done" && leftover > 0) throw this.trailing();
    if (this.phase !== "done") {
      const where =
        this.phase !== "head" || leftover > 0
          ? `inside the record of chunk #${this.position}`
          : this.position === 0
            ? "right after the header, before any record"
            : `right after chunk #${this.position - 1}, which is not the final chunk`;
      const end = this.offset + leftover;
      throw new SnapshotFormatError(
        "E_TRUNCATED",
        `the snapshot ends at byte offset ${end}, ${where} — the upload or download was cut short; fetch the file again`,
        { offset: end },
      );
    }
    for (const piece of this.heldFinal) emit(piece);
    this.heldFinal = [];
  }

  private readHead(head: Buffer): void {
    this.recordAt = this.offset;
    this.offset += RECORD_HEAD_LENGTH;
    if (crc32(head.subarray(0, 12)) !== head.readUInt32BE(12)) {
      throw this.corrupt(`the framing of the record at byte offset ${this.recordAt} is damaged (checksum mismatch)`);
    }
    const lengthField = head.readUInt32BE(8);
    const bodyLength = (lengthField & ~FINAL_FLAG) >>> 0;
    this.final = (lengthField & FINAL_FLAG) !== 0;
    // Every record but the last is exactly one full chunk; anything else is damage or forgery.
    if (bodyLength < TAG_LENGTH || bodyLength > this.chunkSize + TAG_LENGTH || (!this.final && bodyLength !== this.chunkSize + TAG_LENGTH)) {
      throw this.corrupt(
        `the record at byte offset ${this.recordAt} declares an impossible ${this.final ? "final" : "non-final"} ` +
          `body of ${bodyLength} bytes for chunk size ${this.chunkSize}`,
      );
    }
    this.clearIndex = head.readBigUInt64BE(0);
    this.decipher = createDecipheriv(GCM, this.payloadKey, recordNonce(head.subarray(0, 8), this.final), {
      authTagLength: TAG_LENGTH,
    });
    this.remaining = bodyLength - TAG_LENGTH;
    this.crc = 0;
    this.pieces = [];
    this.phase = "body";
  }

  private readTail(tail: Buffer, emit: (plaintext: Buffer) => void): void {
    const tag = tail.subarray(0, TAG_LENGTH);
    this.offset += TAIL_LENGTH;
    if (crc32(tag, this.crc) !== tail.readUInt32BE(TAG_LENGTH)) {
      throw this.corrupt(`chunk #${this.position} (record at byte offset ${this.recordAt}) is damaged (checksum mismatch)`);
    }
    const decipher = this.decipher as DecipherGCM;
    let authentic = true;
    try {
      decipher.setAuthTag(tag);
      decipher.final();
    } catch {
      authentic = false;
    }
    this.decipher = undefined;
    const inPlace = this.clearIndex === BigInt(this.position);
    if (!inPlace && authentic) {
      this.pieces = [];
      throw new SnapshotFormatError(
        "E_CHUNK_ORDER",
        `the record at position ${this.position} (byte offset ${this.recordAt}) is chunk #${this.clearIndex}: ` +
          `chunks were reordered or moved — the file was assembled wrongly or tampered with; ${DO_NOT_RESTORE}`,
        { offset: this.recordAt },
      );
    }
    if (!authentic) {
      this.pieces = [];
      throw new SnapshotFormatError(
        "E_FOREIGN_CHUNK",
        `chunk #${this.position} (record at byte offset ${this.recordAt}) does not authenticate under this header: ` +
          `the chunk or the header comes from another snapshot, or was forged — ${DO_NOT_RESTORE}`,
        { offset: this.recordAt },
      );
    }
    const plaintext = this.pieces;
    this.pieces = [];
    if (this.final) {
      // Held back until end of input: only then is it known that nothing was appended.
      this.heldFinal = plaintext;
      this.phase = "done";
      return;
    }
    for (const piece of plaintext) emit(piece);
    this.position++;
    this.phase = "head";
  }

  private corrupt(what: string): SnapshotFormatError {
    this.pieces = [];
    return new SnapshotFormatError("E_CHUNK_CORRUPT", `${what} — ${REFETCH}`, { offset: this.recordAt });
  }

  private trailing(): SnapshotFormatError {
    this.heldFinal = [];
    return new SnapshotFormatError(
      "E_TRAILING_DATA",
      `data follows the final record, which ends at byte offset ${this.offset} — something was appended to the ` +
        "snapshot (a second file, or a broken re-upload); refetch the file, a snapshot with extra bytes is refused",
      { offset: this.offset },
    );
  }
}

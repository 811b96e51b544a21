// One record: u64 index ‖ u32 (body length | final flag) ‖ CRC-32 of those 12 bytes ‖ body ‖ CRC-32
// of the body, where body = AES-256-GCM ciphertext ‖ 16-byte tag. The clear index and the CRCs only
// serve diagnosis (docs/decisions/0001-snapshot-record-framing.md); authenticity comes from GCM, whose
// nonce binds the chunk's position and whether it is the last.
import { createCipheriv } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { crc32 } from "node:zlib";
import { FINAL_FLAG, RECORD_CRC_LENGTH, RECORD_HEAD_LENGTH, TAG_LENGTH } from "./constants.ts";

export const GCM = "aes-256-gcm";
const NONCE_LENGTH = 12;
const TWO_POW_32 = 0x1_0000_0000;

/** Nonce = 3 zero bytes ‖ u64 BE chunk index ‖ final flag byte (0 or 1). */
export function recordNonce(indexBytes: Uint8Array, final: boolean): Buffer {
  const nonce = Buffer.alloc(NONCE_LENGTH);
  nonce.set(indexBytes, 3);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

/** The size of the record that seals `plaintextLength` bytes. */
export function recordLength(plaintextLength: number): number {
  return RECORD_HEAD_LENGTH + plaintextLength + TAG_LENGTH + RECORD_CRC_LENGTH;
}

/** Encrypt one chunk into a complete record, returned as a single buffer ready to push. */
export function sealRecord(payloadKey: KeyObject, index: number, final: boolean, plaintext: Buffer): Buffer {
  const record = Buffer.allocUnsafe(recordLength(plaintext.length));
  sealRecordInto(record, payloadKey, index, final, plaintext);
  return record;
}

/** Encrypt one chunk into `record` (exactly recordLength(plaintext.length) bytes), in place. */
export function sealRecordInto(record: Buffer, payloadKey: KeyObject, index: number, final: boolean, plaintext: Buffer): void {
  const bodyLength = plaintext.length + TAG_LENGTH;
  record.writeUInt32BE(Math.floor(index / TWO_POW_32), 0);
  record.writeUInt32BE(index >>> 0, 4);
  record.writeUInt32BE((bodyLength | (final ? FINAL_FLAG : 0)) >>> 0, 8);
  record.writeUInt32BE(crc32(record.subarray(0, 12)), 12);

  const cipher = createCipheriv(GCM, payloadKey, recordNonce(record.subarray(0, 8), final), {
    authTagLength: TAG_LENGTH,
  });
  const bodyEnd = RECORD_HEAD_LENGTH + bodyLength;
  cipher.update(plaintext).copy(record, RECORD_HEAD_LENGTH);
  cipher.final();
  cipher.getAuthTag().copy(record, bodyEnd - TAG_LENGTH);
  record.writeUInt32BE(crc32(record.subarray(RECORD_HEAD_LENGTH, bodyEnd)), bodyEnd);
}

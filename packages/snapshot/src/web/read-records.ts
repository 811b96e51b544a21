// The records after the header, checked in the order of docs/format.md ("Decrypting › Records"):
// framing CRC, length sanity (before waiting for the body), body CRC, then AES-256-GCM under the
// record's clear index and final flag. One record is in memory at a time (at most chunk size + 20
// bytes, itself at most 4 MiB); a chunk's plaintext is yielded only after its tag verified, and the
// final chunk only once the end of input proves that nothing follows it.
import type { ByteReader } from "./byte-reader.ts";
import { crc32 } from "./crc32.ts";
import type { WebCryptoKey } from "./open-header.ts";
import { FINAL_FLAG, RECORD_CRC_LENGTH, RECORD_HEAD_LENGTH, TAG_LENGTH } from "./format-constants.ts";
import { DO_NOT_RESTORE, DOWNLOAD_AGAIN, WebSnapshotError } from "./web-snapshot-error.ts";

const TAIL_LENGTH = TAG_LENGTH + RECORD_CRC_LENGTH;

/** Verified plaintext of each chunk in order; the generator ends only after a verified final chunk and end of input. */
export async function* readRecords(
  input: ByteReader,
  payloadKey: WebCryptoKey,
  chunkSize: number,
  onRecord?: (fileOffset: number) => void,
): AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined> {
  // Reused for every record: a full one is chunk size + 16 (tag) + 4 (CRC) bytes.
  const body = new Uint8Array(chunkSize + TAIL_LENGTH);
  for (let position = 0; ; position++) {
    const recordAt = input.offset;
    if (!(await input.fill(RECORD_HEAD_LENGTH))) throw truncated(input, position, input.length > 0);
    const head = input.take(RECORD_HEAD_LENGTH);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (crc32(head.subarray(0, 12)) !== view.getUint32(12)) {
      throw corrupt(`the framing of chunk ${position} (byte offset ${recordAt}) fails its checksum`, recordAt);
    }
    const lengthField = view.getUint32(8);
    const final = (lengthField & FINAL_FLAG) !== 0;
    const bodyLength = (lengthField & ~FINAL_FLAG) >>> 0;
    // Every record but the last is exactly one full chunk; anything else is damage or forgery.
    if (bodyLength < TAG_LENGTH || bodyLength > chunkSize + TAG_LENGTH || (!final && bodyLength !== chunkSize + TAG_LENGTH)) {
      throw corrupt(`chunk ${position} (byte offset ${recordAt}) declares an impossible length of ${bodyLength} bytes`, recordAt);
    }
    if (!(await input.fill(bodyLength + RECORD_CRC_LENGTH))) throw truncated(input, position, true);
    const record = input.take(bodyLength + RECORD_CRC_LENGTH, body.subarray(0, bodyLength + RECORD_CRC_LENGTH));
    const sealed = record.subarray(0, bodyLength);
    if (crc32(sealed) !== new DataView(record.buffer, record.byteOffset + bodyLength, 4).getUint32(0)) {
      throw corrupt(`chunk ${position} (byte offset ${recordAt}) fails its checksum`, recordAt);
    }

    const nonce = new Uint8Array(12);
    nonce.set(head.subarray(0, 8), 3);
    nonce[11] = final ? 1 : 0;
    let plaintext: Uint8Array<ArrayBuffer> | undefined;
    try {
      plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, tagLength: TAG_LENGTH * 8 }, payloadKey, sealed));
    } catch {
      plaintext = undefined; // WebCrypto reports a failed tag as an OperationError; nothing else can fail here
    }
    const clearIndex = view.getBigUint64(0);
    if (plaintext === undefined) {
      throw new WebSnapshotError(
        "E_FOREIGN_CHUNK",
        `the file was altered: chunk ${position} fails authentication — it (or the header) comes from another snapshot, or was forged; ${DO_NOT_RESTORE}`,
        { offset: recordAt },
      );
    }
    if (clearIndex !== BigInt(position)) {
      throw new WebSnapshotError(
        "E_CHUNK_ORDER",
        `the file was assembled wrongly: position ${position} holds chunk ${clearIndex} (chunks were reordered, dropped or duplicated); ${DO_NOT_RESTORE}`,
        { offset: recordAt },
      );
    }
    onRecord?.(input.offset);
    if (final) {
      // Held back until the end of input: only then is it known that nothing was appended.
      if (await input.fill(1)) {
        throw new WebSnapshotError(
          "E_TRAILING_DATA",
          `the file has extra data after its final chunk (which ends at byte offset ${input.offset}) — something was appended to it; ${DOWNLOAD_AGAIN}`,
          { offset: input.offset },
        );
      }
      yield plaintext;
      return;
    }
    yield plaintext;
  }
}

function truncated(input: ByteReader, position: number, insideRecord: boolean): WebSnapshotError {
  const end = input.offset + input.length;
  const where =
    insideRecord
      ? `inside chunk ${position}`
      : position === 0
        ? "right after the header, before any chunk"
        : `right after chunk ${position - 1}, which is not the last one`;
  return new WebSnapshotError(
    "E_TRUNCATED",
    `the file is incomplete: it ends at byte ${end}, ${where} — the download was cut short; ${DOWNLOAD_AGAIN}`,
    { offset: end },
  );
}

function corrupt(what: string, offset: number): WebSnapshotError {
  return new WebSnapshotError("E_CHUNK_CORRUPT", `the file is damaged: ${what} — ${DOWNLOAD_AGAIN}`, { offset });
}

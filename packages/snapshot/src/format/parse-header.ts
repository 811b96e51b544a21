// Structural header parsing, no key needed. The order of checks is part of the spec (docs/format.md,
// "Decrypting"): each check runs only when the bytes it reads are present and the checks before
// it passed, so a damaged or hostile length can never make the reader wait for or allocate megabytes.
import { crc32 } from "node:zlib";
import {
  FORMAT_VERSION,
  HEADER_TAIL_LENGTH,
  MAGIC,
  MAX_CHUNK_SIZE,
  MAX_SLOT_LENGTH,
  MIN_CHUNK_SIZE,
  OFFSET_CHUNK_SIZE,
  OFFSET_CONTENT_TYPE,
  OFFSET_KEY_MODE,
  OFFSET_SALT,
  OFFSET_SLOT,
  OFFSET_SLOT_LENGTH,
  OFFSET_SUITE,
  OFFSET_VERSION,
  SALT_LENGTH,
  SUITE_V1,
  contentTypeFromCode,
  keyModeFromCode,
} from "./constants.ts";
import { decodeKeySlot, fieldError } from "./decode-key-slot.ts";
import { SnapshotFormatError } from "./errors.ts";
import type { SnapshotHeader } from "./types.ts";

/** A parsed header plus where its key check and MAC sit (crcAt + 4 and crcAt + 20). */
export interface ParsedHeader {
  header: SnapshotHeader;
  crcAt: number;
}

/** Either the header, or how many bytes the scan needs before it can say more. */
export type HeaderScan = { complete: true; parsed: ParsedHeader } | { complete: false; needed: number };

/** Check as much of the header as `bytes` holds; throws on the first failed check. */
export function scanHeader(bytes: Uint8Array): HeaderScan {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Compare whatever prefix of the magic has arrived, so garbage fails on its first bytes.
  const magicPart = Math.min(buf.length, MAGIC.length);
  if (!buf.subarray(0, magicPart).equals(MAGIC.subarray(0, magicPart))) {
    throw new SnapshotFormatError(
      "E_NOT_A_SNAPSHOT",
      'the file does not start with "NACRESNP" — it is not a Nacre snapshot; check that you picked the right file',
      { offset: 0 },
    );
  }
  if (buf.length < OFFSET_SLOT) return { complete: false, needed: OFFSET_SLOT };

  // Before the CRC on purpose: the CRC sits after the slot, so a huge length must be refused
  // before the reader waits for (or buffers) that many bytes.
  const slotLength = buf.readUInt16BE(OFFSET_SLOT_LENGTH);
  if (slotLength > MAX_SLOT_LENGTH) {
    throw fieldError(`the key-slot length ${slotLength} exceeds ${MAX_SLOT_LENGTH}`, OFFSET_SLOT_LENGTH);
  }
  const crcAt = OFFSET_SLOT + slotLength;
  if (buf.length < crcAt + 4) return { complete: false, needed: crcAt + HEADER_TAIL_LENGTH };

  const stored = buf.readUInt32BE(crcAt);
  const computed = crc32(buf.subarray(0, crcAt));
  if (stored !== computed) {
    throw new SnapshotFormatError(
      "E_HEADER_CORRUPT",
      `the header checksum does not match (stored ${hex32(stored)}, computed ${hex32(computed)}) — ` +
        "the header was damaged in storage or transfer; download the snapshot again or use another copy",
      { offset: crcAt },
    );
  }

  // Version before field checks: a newer writer may define values this reader calls unknown.
  const version = buf[OFFSET_VERSION] ?? 0;
  const suite = buf[OFFSET_SUITE] ?? 0;
  if (version !== FORMAT_VERSION || suite !== SUITE_V1) {
    throw new SnapshotFormatError(
      "E_UNSUPPORTED_VERSION",
      `snapshot format version ${version} / suite ${suite} is not supported by this reader ` +
        `(it reads version ${FORMAT_VERSION} / suite ${SUITE_V1}) — update nacre-agent and try again`,
      { offset: OFFSET_VERSION },
    );
  }

  const header = decodeFields(buf, slotLength);
  if (buf.length < header.byteLength) return { complete: false, needed: header.byteLength };
  return { complete: true, parsed: { header, crcAt } };
}

/** Parse a header from the start of `bytes` (which may hold more); structural checks only, no key. */
export function parseHeader(bytes: Uint8Array): SnapshotHeader {
  const scan = scanHeader(bytes);
  if (!scan.complete) throw truncatedHeader(bytes.length, scan.needed);
  return scan.parsed.header;
}

/** E_TRUNCATED for data that ends inside the header. */
export function truncatedHeader(have: number, needed: number): SnapshotFormatError {
  const what = have === 0 ? "the snapshot is empty (0 bytes)" : `the data ends after ${have} bytes, inside the header`;
  return new SnapshotFormatError(
    "E_TRUNCATED",
    `${what}; at least ${needed} are needed — the upload or download was cut short; fetch the file again`,
    { offset: have },
  );
}

function decodeFields(buf: Buffer, slotLength: number): SnapshotHeader {
  const modeCode = buf[OFFSET_KEY_MODE] ?? 0;
  const keyMode = keyModeFromCode(modeCode);
  if (keyMode === undefined) throw fieldError(`unknown key mode ${modeCode}`, OFFSET_KEY_MODE);
  const typeCode = buf[OFFSET_CONTENT_TYPE] ?? 0;
  const contentType = contentTypeFromCode(typeCode);
  if (contentType === undefined) throw fieldError(`unknown content type ${typeCode}`, OFFSET_CONTENT_TYPE);
  const chunkSize = buf.readUInt32BE(OFFSET_CHUNK_SIZE);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw fieldError(`chunk size ${chunkSize} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`, OFFSET_CHUNK_SIZE);
  }
  const slot = decodeKeySlot(keyMode, buf.subarray(OFFSET_SLOT, OFFSET_SLOT + slotLength));
  return {
    version: FORMAT_VERSION,
    suite: SUITE_V1,
    keyMode,
    contentType,
    chunkSize,
    fileSalt: Buffer.from(buf.subarray(OFFSET_SALT, OFFSET_SALT + SALT_LENGTH)),
    ...slot,
    byteLength: OFFSET_SLOT + slotLength + HEADER_TAIL_LENGTH,
  };
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, "0");
}

// Writes the version-1 header. The byte layout is documented in docs/format.md; parse-header.ts is
// its mirror image and the two are tested against each other and against the committed vectors.
import { createHmac } from "node:crypto";
import { crc32 } from "node:zlib";
import {
  CONTENT_TYPE_CODES,
  FORMAT_VERSION,
  HEADER_TAIL_LENGTH,
  KEY_CHECK_LENGTH,
  KEY_MODE_CODES,
  MAGIC,
  OFFSET_CHUNK_SIZE,
  OFFSET_CONTENT_TYPE,
  OFFSET_KEY_MODE,
  OFFSET_SALT,
  OFFSET_SLOT,
  OFFSET_SLOT_LENGTH,
  OFFSET_SUITE,
  OFFSET_VERSION,
  SUITE_V1,
} from "./constants.ts";
import type { FileKeys } from "./derive-keys.ts";
import type { SnapshotHeader } from "./types.ts";

/** The header fields a writer chooses; version, suite and length follow from them. */
export type HeaderFields = Omit<SnapshotHeader, "version" | "suite" | "byteLength">;

/** Encode the key slot: u32 iterations, or keyIdLen ‖ keyId ‖ wrappedLen ‖ wrappedKey. */
export function encodeKeySlot(fields: HeaderFields): Buffer {
  if (fields.keyMode === "managed") {
    const keyId = Buffer.from(fields.keyId ?? "", "utf8");
    const wrapped = fields.wrappedKey ?? new Uint8Array();
    return Buffer.concat([Buffer.of(keyId.length), keyId, Buffer.of(wrapped.length), wrapped]);
  }
  const slot = Buffer.alloc(4);
  slot.writeUInt32BE(fields.iterations ?? 0, 0);
  return slot;
}

/** Serialise a complete header: fields, CRC-32, key check and HMAC, ready to be the file's first bytes. */
export function encodeHeader(fields: HeaderFields, keys: FileKeys): Buffer {
  const slot = encodeKeySlot(fields);
  const crcAt = OFFSET_SLOT + slot.length;
  const header = Buffer.alloc(crcAt + HEADER_TAIL_LENGTH);
  MAGIC.copy(header, 0);
  header[OFFSET_VERSION] = FORMAT_VERSION;
  header[OFFSET_SUITE] = SUITE_V1;
  header[OFFSET_KEY_MODE] = KEY_MODE_CODES[fields.keyMode];
  header[OFFSET_CONTENT_TYPE] = CONTENT_TYPE_CODES[fields.contentType];
  header.writeUInt32BE(fields.chunkSize, OFFSET_CHUNK_SIZE);
  header.set(fields.fileSalt, OFFSET_SALT);
  header.writeUInt16BE(slot.length, OFFSET_SLOT_LENGTH);
  slot.copy(header, OFFSET_SLOT);
  header.writeUInt32BE(crc32(header.subarray(0, crcAt)), crcAt);
  keys.keyCheck.copy(header, crcAt + 4);
  const macAt = crcAt + 4 + KEY_CHECK_LENGTH;
  createHmac("sha256", keys.macKey).update(header.subarray(0, macAt)).digest().copy(header, macAt);
  return header;
}

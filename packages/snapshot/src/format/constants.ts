// Fixed numbers of the snapshot format, version 1. Every value here is part of the file format:
// changing one changes the bytes on disk, so it needs a new version byte, not an edit.
import * as format from "../web/format-constants.ts";
import type { ContentType, KeyMode } from "./types.ts";

// The format's numbers live in ../web/format-constants.ts (no Buffers there, so the browser reader can
// import them too); this module re-exports them and adds what only the Node writer and reader need.
export {
  FINAL_FLAG, FORMAT_VERSION, HEADER_TAIL_LENGTH, KEY_CHECK_LENGTH, KEY_LENGTH, MAC_LENGTH, MAX_CHUNK_SIZE, MAX_HEADER_LENGTH,
  MAX_ITERATIONS, MAX_SLOT_LENGTH, MIN_CHUNK_SIZE, MIN_ITERATIONS, OFFSET_CHUNK_SIZE, OFFSET_CONTENT_TYPE, OFFSET_KEY_MODE, OFFSET_SALT,
  OFFSET_SLOT, OFFSET_SLOT_LENGTH, OFFSET_SUITE, OFFSET_VERSION, RECORD_CRC_LENGTH, RECORD_HEAD_LENGTH, SALT_LENGTH, SUITE_V1,
  TAG_LENGTH, WRAPPED_KEY_LENGTH,
} from "../web/format-constants.ts";

export const DEFAULT_CHUNK_SIZE = 65_536;
export const DEFAULT_ITERATIONS = 600_000;
export const MAX_KEY_ID_BYTES = 255;

/** "NACRESNP": lets a reader refuse a non-snapshot before trusting any length field. */
export const MAGIC = Buffer.from(format.MAGIC);
export const INFO_PAYLOAD = Buffer.from(format.INFO_PAYLOAD, "utf8");
export const INFO_HEADER_MAC = Buffer.from(format.INFO_HEADER_MAC, "utf8");
export const INFO_KEY_CHECK = Buffer.from(format.INFO_KEY_CHECK, "utf8");

export const KEY_MODE_CODES: Readonly<Record<KeyMode, number>> = { passphrase: 1, keyfile: 2, managed: 3 };
export const CONTENT_TYPE_CODES: Readonly<Record<ContentType, number>> = { "tar+zstd": 1, "tar+gzip": 2 };

/** Key mode for a header byte, or undefined for a value version 1 does not define. */
export function keyModeFromCode(code: number): KeyMode | undefined {
  return (Object.keys(KEY_MODE_CODES) as KeyMode[]).find((mode) => KEY_MODE_CODES[mode] === code);
}

/** Content type for a header byte, or undefined for a value version 1 does not define. */
export function contentTypeFromCode(code: number): ContentType | undefined {
  return (Object.keys(CONTENT_TYPE_CODES) as ContentType[]).find((type) => CONTENT_TYPE_CODES[type] === code);
}

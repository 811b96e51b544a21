// The numbers of snapshot format version 1 (docs/format.md) that a browser reader needs. They mirror
// ../format/constants.ts, which cannot be imported here: it builds Buffers at load time and would drag
// node:buffer into a Web Worker bundle. browser-safe.test.ts checks that the two copies agree.

export const MAGIC = new Uint8Array([0x4e, 0x41, 0x43, 0x52, 0x45, 0x53, 0x4e, 0x50]); // "NACRESNP"
export const FORMAT_VERSION = 1;
export const SUITE_V1 = 1;

export const MIN_CHUNK_SIZE = 1024;
// 4 MiB bounds the memory a hostile header can make a reader hold for one unverified chunk.
export const MAX_CHUNK_SIZE = 4_194_304;
export const MIN_ITERATIONS = 100_000;
export const MAX_ITERATIONS = 10_000_000;

export const SALT_LENGTH = 32;
export const KEY_LENGTH = 32;
export const KEY_CHECK_LENGTH = 16;
export const MAC_LENGTH = 32;
export const TAG_LENGTH = 16;
export const WRAPPED_KEY_LENGTH = 40;
// The slot is tiny for every v1 key mode; 1024 stops a hostile length from making a reader buffer 64 KiB.
export const MAX_SLOT_LENGTH = 1024;

export const OFFSET_VERSION = 8;
export const OFFSET_SUITE = 9;
export const OFFSET_KEY_MODE = 10;
export const OFFSET_CONTENT_TYPE = 11;
export const OFFSET_CHUNK_SIZE = 12;
export const OFFSET_SALT = 16;
export const OFFSET_SLOT_LENGTH = 48;
export const OFFSET_SLOT = 50;
/** Bytes after the slot: CRC-32 (4) + key check (16) + MAC (32). */
export const HEADER_TAIL_LENGTH = 4 + KEY_CHECK_LENGTH + MAC_LENGTH;
export const MAX_HEADER_LENGTH = OFFSET_SLOT + MAX_SLOT_LENGTH + HEADER_TAIL_LENGTH;

export const RECORD_HEAD_LENGTH = 16;
export const RECORD_CRC_LENGTH = 4;
export const FINAL_FLAG = 0x8000_0000;

export const INFO_PAYLOAD = "nacre-snapshot/v1 payload";
export const INFO_HEADER_MAC = "nacre-snapshot/v1 header-mac";
export const INFO_KEY_CHECK = "nacre-snapshot/v1 key-check";

export const KEY_MODES = { 1: "passphrase", 2: "keyfile", 3: "managed" } as const;
export const CONTENT_TYPES = { 1: "tar+zstd", 2: "tar+gzip" } as const;

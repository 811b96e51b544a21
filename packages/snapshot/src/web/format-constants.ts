// The numbers of snapshot format version 1 (docs/format.md), the one place they are written down.
// Every value is part of the file format: changing one changes the bytes on disk, so it needs a new
// version byte, not an edit. Plain numbers and Uint8Arrays only, so a browser reader can import this;
// ../format/constants.ts re-exports them for the Node writer and reader and adds its Buffers.

export const MAGIC = new Uint8Array([0x4e, 0x41, 0x43, 0x52, 0x45, 0x53, 0x4e, 0x50]); // "NACRESNP"
export const FORMAT_VERSION = 1;
/** Suite 1: AES-256-GCM chunks, HKDF-SHA256 subkeys, HMAC-SHA256 header MAC, PBKDF2-HMAC-SHA256. */
export const SUITE_V1 = 1;

export const MIN_CHUNK_SIZE = 1024;
// 4 MiB bounds the memory a hostile header can make a reader hold for one unverified chunk.
export const MAX_CHUNK_SIZE = 4_194_304;
// Below 100k a stolen file is too cheap to brute-force; above 10M a hostile header could stall a
// reader for many seconds of CPU before it can even say "wrong passphrase".
export const MIN_ITERATIONS = 100_000;
export const MAX_ITERATIONS = 10_000_000;

export const SALT_LENGTH = 32;
export const KEY_LENGTH = 32;
export const KEY_CHECK_LENGTH = 16;
export const MAC_LENGTH = 32;
export const TAG_LENGTH = 16;
/** AES-256-KW of a 32-byte key is always 40 bytes (RFC 3394 adds one 8-byte block). */
export const WRAPPED_KEY_LENGTH = 40;
// The slot is tiny for every v1 key mode; 1024 stops a hostile length from making a reader buffer 64 KiB.
export const MAX_SLOT_LENGTH = 1024;

// Header offsets (slot length L is variable, so fields after the slot are relative to 50 + L).
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

/** Record framing: u64 index + u32 length/final + u32 CRC before the body, u32 CRC after it. */
export const RECORD_HEAD_LENGTH = 16;
export const RECORD_CRC_LENGTH = 4;
export const FINAL_FLAG = 0x8000_0000;

export const INFO_PAYLOAD = "nacre-snapshot/v1 payload";
export const INFO_HEADER_MAC = "nacre-snapshot/v1 header-mac";
export const INFO_KEY_CHECK = "nacre-snapshot/v1 key-check";

export const KEY_MODES = { 1: "passphrase", 2: "keyfile", 3: "managed" } as const;
export const CONTENT_TYPES = { 1: "tar+zstd", 2: "tar+gzip" } as const;

// Header parsing without the key, in the order docs/format.md ("Decrypting › Header") prescribes: each
// check runs only once the bytes it reads are present and the checks before it passed, so a damaged or
// hostile length never makes the reader wait for, or allocate, more than MAX_HEADER_LENGTH bytes.
import { crc32 } from "./crc32.ts";
import {
  CONTENT_TYPES,
  FORMAT_VERSION,
  HEADER_TAIL_LENGTH,
  KEY_MODES,
  MAGIC,
  MAX_CHUNK_SIZE,
  MAX_ITERATIONS,
  MAX_SLOT_LENGTH,
  MIN_CHUNK_SIZE,
  MIN_ITERATIONS,
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
  WRAPPED_KEY_LENGTH,
} from "./format-constants.ts";
import { WebSnapshotError } from "./web-snapshot-error.ts";

/** What a managed-mode header says; everything the page needs to ask the server for the data key. */
export interface WebSnapshotHeader {
  /** Header length in bytes; the first record starts here. */
  headerLength: number;
  version: number;
  suite: number;
  keyMode: "managed";
  /** The customer key (and version) that wraps the data key. */
  keyId: string;
  /** AES-256-KW wrapping of the 32-byte data key under the customer key (40 bytes). */
  wrappedKey: Uint8Array;
  fileSalt: Uint8Array;
  /** Plaintext bytes per record. */
  chunkSize: number;
  contentType: "tar+zstd" | "tar+gzip";
  /** The header's bytes exactly as in the file (a copy). */
  headerBytes: Uint8Array;
}

/** Either the header (with where its CRC sits), or how many bytes the scan needs before it can say more. */
export type HeaderScan =
  | { complete: true; header: WebSnapshotHeader | PassphraseHeader; crcAt: number }
  | { complete: false; needed: number };

/** A structurally valid passphrase or key-file header: parsed so the checks match Node's, then refused. */
interface PassphraseHeader {
  keyMode: "passphrase" | "keyfile";
  headerLength: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Parse a snapshot header from the file's first bytes (read MAX_HEADER_LENGTH, or the whole file if shorter). */
export function readSnapshotHeader(bytes: Uint8Array): WebSnapshotHeader {
  const scan = scanHeader(bytes);
  if (!scan.complete) throw truncatedHeader(bytes.length, scan.needed);
  return requireManaged(scan.header);
}

/** Refuse passphrase and key-file snapshots (step 6 of the spec): this decryptor only takes a data key. */
export function requireManaged(header: WebSnapshotHeader | PassphraseHeader): WebSnapshotHeader {
  if (header.keyMode === "managed") return header;
  const what = header.keyMode === "keyfile" ? "a key file" : "a passphrase";
  throw new WebSnapshotError(
    "E_KEY_MODE",
    `this snapshot is protected by ${what}, not by a customer key, so it cannot be decrypted in the browser — ` +
      "decrypt it with `nacre-agent decrypt` and the passphrase or key file",
  );
}

/** Check as much of the header as `bytes` holds; throws on the first failed check. */
export function scanHeader(bytes: Uint8Array): HeaderScan {
  // Compare whatever prefix of the magic has arrived, so a wrong file fails on its first bytes.
  for (let i = 0; i < Math.min(bytes.length, MAGIC.length); i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new WebSnapshotError(
        "E_NOT_A_SNAPSHOT",
        "this file is not a Nacre snapshot (it does not start with NACRESNP) — check that you picked the downloaded snapshot file",
        { offset: 0 },
      );
    }
  }
  if (bytes.length < OFFSET_SLOT) return { complete: false, needed: OFFSET_SLOT };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // Before the CRC on purpose: the CRC sits after the slot, so a huge length is refused before waiting for it.
  const slotLength = view.getUint16(OFFSET_SLOT_LENGTH);
  if (slotLength > MAX_SLOT_LENGTH) throw fieldError(`the key-slot length ${slotLength} exceeds ${MAX_SLOT_LENGTH}`, OFFSET_SLOT_LENGTH);
  const crcAt = OFFSET_SLOT + slotLength;
  if (bytes.length < crcAt + 4) return { complete: false, needed: crcAt + HEADER_TAIL_LENGTH };

  if (view.getUint32(crcAt) !== crc32(bytes.subarray(0, crcAt))) {
    throw new WebSnapshotError(
      "E_HEADER_CORRUPT",
      `the file is damaged: its header checksum does not match — download the export again`,
      { offset: crcAt },
    );
  }
  // Version before field checks: a newer writer may define values this reader calls unknown.
  const version = bytes[OFFSET_VERSION] ?? 0;
  const suite = bytes[OFFSET_SUITE] ?? 0;
  if (version !== FORMAT_VERSION || suite !== SUITE_V1) {
    throw new WebSnapshotError(
      "E_UNSUPPORTED_VERSION",
      `this snapshot uses format version ${version} / suite ${suite}, newer than this page reads ` +
        `(${FORMAT_VERSION} / ${SUITE_V1}) — reload the dashboard, or decrypt it with an up-to-date nacre-agent`,
      { offset: OFFSET_VERSION },
    );
  }
  const header = decodeFields(bytes, view, slotLength);
  if (bytes.length < header.headerLength) return { complete: false, needed: header.headerLength };
  if (header.keyMode === "managed") header.headerBytes = bytes.slice(0, header.headerLength);
  return { complete: true, header, crcAt };
}

/** E_TRUNCATED for data that ends inside the header. */
export function truncatedHeader(have: number, needed: number): WebSnapshotError {
  const what = have === 0 ? "the file is empty (0 bytes)" : `the file ends after ${have} bytes, inside its header`;
  return new WebSnapshotError(
    "E_TRUNCATED",
    `${what}; at least ${needed} are needed — the download was cut short; download the export again`,
    { offset: have },
  );
}

function decodeFields(bytes: Uint8Array, view: DataView, slotLength: number): WebSnapshotHeader | PassphraseHeader {
  const modeCode = bytes[OFFSET_KEY_MODE] ?? 0;
  const keyMode = KEY_MODES[modeCode as keyof typeof KEY_MODES] as (typeof KEY_MODES)[keyof typeof KEY_MODES] | undefined;
  if (keyMode === undefined) throw fieldError(`unknown key mode ${modeCode}`, OFFSET_KEY_MODE);
  const typeCode = bytes[OFFSET_CONTENT_TYPE] ?? 0;
  const contentType = CONTENT_TYPES[typeCode as keyof typeof CONTENT_TYPES] as (typeof CONTENT_TYPES)[keyof typeof CONTENT_TYPES] | undefined;
  if (contentType === undefined) throw fieldError(`unknown content type ${typeCode}`, OFFSET_CONTENT_TYPE);
  const chunkSize = view.getUint32(OFFSET_CHUNK_SIZE);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw fieldError(`chunk size ${chunkSize} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`, OFFSET_CHUNK_SIZE);
  }
  const headerLength = OFFSET_SLOT + slotLength + HEADER_TAIL_LENGTH;
  const slot = bytes.subarray(OFFSET_SLOT, OFFSET_SLOT + slotLength);
  if (keyMode !== "managed") {
    if (slot.length !== 4) throw fieldError(`a ${keyMode} header needs a 4-byte key slot, this one has ${slot.length}`, OFFSET_SLOT);
    const iterations = view.getUint32(OFFSET_SLOT);
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw fieldError(`PBKDF2 iteration count ${iterations} is outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`, OFFSET_SLOT);
    }
    return { keyMode, headerLength };
  }
  // Managed: u8 keyIdLen ‖ keyId ‖ u8 wrappedLen ‖ wrapped. Every length must add up exactly.
  const keyIdLength = slot[0] ?? 0;
  if (keyIdLength === 0) throw fieldError("a managed header needs a key id of 1..255 bytes", OFFSET_SLOT);
  const wrappedLengthAt = 1 + keyIdLength;
  if (slot.length !== wrappedLengthAt + 1 + WRAPPED_KEY_LENGTH || slot[wrappedLengthAt] !== WRAPPED_KEY_LENGTH) {
    throw fieldError(`the managed key slot does not add up (${slot.length} bytes)`, OFFSET_SLOT);
  }
  let keyId: string;
  try {
    keyId = strictUtf8.decode(slot.subarray(1, wrappedLengthAt));
  } catch {
    throw fieldError("the key id in the header is not valid UTF-8", OFFSET_SLOT + 1);
  }
  return {
    headerLength,
    version: FORMAT_VERSION,
    suite: SUITE_V1,
    keyMode,
    keyId,
    wrappedKey: slot.slice(wrappedLengthAt + 1),
    fileSalt: bytes.slice(OFFSET_SALT, OFFSET_SALT + SALT_LENGTH),
    chunkSize,
    contentType,
    headerBytes: new Uint8Array(0), // filled in by scanHeader once all header bytes are present
  };
}

/** E_HEADER_FIELD: the CRC passed, so this is a buggy or hostile writer, not line noise. */
function fieldError(what: string, offset: number): WebSnapshotError {
  return new WebSnapshotError(
    "E_HEADER_FIELD",
    `${what} — this file was not written by Nacre or was altered; do not trust it, download the export again`,
    { offset },
  );
}

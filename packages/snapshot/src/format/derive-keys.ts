// The key schedule. Passphrase and key-file snapshots stretch the passphrase with PBKDF2 into the
// input keying material (ikm); managed snapshots use the 32-byte data key as ikm directly. Every key
// the file uses then comes from HKDF-SHA256(ikm, salt = file salt) with a distinct label, so the
// payload key, the header MAC key and the key check can never collide, and a fresh salt per file
// gives every file fresh keys even under the same passphrase.
import { hkdfSync, pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import { INFO_HEADER_MAC, INFO_KEY_CHECK, INFO_PAYLOAD, KEY_CHECK_LENGTH, KEY_LENGTH } from "./constants.ts";

const pbkdf2Async = promisify(pbkdf2);

export interface FileKeys {
  /** AES-256-GCM key for every record. */
  payloadKey: Buffer;
  /** HMAC-SHA256 key for the header MAC. */
  macKey: Buffer;
  /** Expected value of the header's key-check field. */
  keyCheck: Buffer;
}

/** Stretch a passphrase (NFC-normalised UTF-8) into the 32-byte ikm; async so the event loop stays free. */
export async function derivePassphraseKey(passphrase: string, fileSalt: Uint8Array, iterations: number): Promise<Buffer> {
  // NFC so that "é" typed on macOS (often NFD) and on Linux (NFC) opens the same file.
  const secret = Buffer.from(passphrase.normalize("NFC"), "utf8");
  return pbkdf2Async(secret, fileSalt, iterations, KEY_LENGTH, "sha256");
}

/** Expand the ikm into the payload key, header MAC key and key check of one file. */
export function deriveFileKeys(ikm: Uint8Array, fileSalt: Uint8Array): FileKeys {
  const expand = (info: Buffer, length: number): Buffer => Buffer.from(hkdfSync("sha256", ikm, fileSalt, info, length));
  return {
    payloadKey: expand(INFO_PAYLOAD, KEY_LENGTH),
    macKey: expand(INFO_HEADER_MAC, KEY_LENGTH),
    keyCheck: expand(INFO_KEY_CHECK, KEY_CHECK_LENGTH),
  };
}

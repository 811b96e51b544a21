// The key schedule and header authentication with WebCrypto (docs/format.md "Key schedule" and steps
// 7–8 of "Decrypting › Header"). Runs before any record is read, so a wrong data key or an altered
// header never releases a byte of output. Subkeys stay non-extractable CryptoKeys; the raw bits
// needed to import them are wiped as soon as they are imported.
import {
  HEADER_TAIL_LENGTH,
  INFO_HEADER_MAC,
  INFO_KEY_CHECK,
  INFO_PAYLOAD,
  KEY_CHECK_LENGTH,
  KEY_LENGTH,
} from "./format-constants.ts";
import type { WebSnapshotHeader } from "./read-snapshot-header.ts";
import { DO_NOT_RESTORE, WebSnapshotError } from "./web-snapshot-error.ts";

// A MAC that differs from the expected one in a handful of bits is a damaged MAC field, not a forgery:
// a changed header gives an unrelated MAC (about 128 of 256 bits differ). Either way the file is refused.
const MAC_DAMAGE_MAX_BITS = 8;
const utf8 = new TextEncoder();

/** WebCrypto's key type, spelled so it resolves under both the DOM and the Node type definitions. */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** The raw subkeys of one file (test vectors list them, so a test can compare step by step). */
export interface FileKeyBits {
  payloadKey: Uint8Array<ArrayBuffer>;
  macKey: Uint8Array<ArrayBuffer>;
  keyCheck: Uint8Array<ArrayBuffer>;
}

/** HKDF-SHA256(ikm = data key, salt = file salt) into the payload key, header MAC key and key check. */
export async function deriveFileKeyBits(dataKey: WebCryptoKey, fileSalt: Uint8Array<ArrayBuffer>): Promise<FileKeyBits> {
  const expand = async (info: string, length: number): Promise<Uint8Array<ArrayBuffer>> =>
    new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: fileSalt, info: utf8.encode(info) }, dataKey, length * 8));
  const [payloadKey, macKey, keyCheck] = await Promise.all([
    expand(INFO_PAYLOAD, KEY_LENGTH),
    expand(INFO_HEADER_MAC, KEY_LENGTH),
    expand(INFO_KEY_CHECK, KEY_CHECK_LENGTH),
  ]);
  return { payloadKey, macKey, keyCheck };
}

/** Import a 32-byte data key for HKDF; rejects a key of the wrong length as E_WRONG_KEY, like the Node reader. */
export function importDataKey(dataKey: Uint8Array): Promise<WebCryptoKey> {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== KEY_LENGTH) {
    const length = dataKey instanceof Uint8Array ? `${dataKey.length} bytes` : "not a byte array";
    return Promise.reject(
      new WebSnapshotError("E_WRONG_KEY", `the data key must be ${KEY_LENGTH} bytes (got ${length}) — it does not open this snapshot`),
    );
  }
  // Copied first: the caller may wipe its array as soon as decryptSnapshot returns.
  const copy = new Uint8Array(dataKey);
  const imported = crypto.subtle.importKey("raw", copy, "HKDF", false, ["deriveBits"]);
  return imported.finally(() => copy.fill(0));
}

/** Verify the key check, then the header MAC, and return the AES-256-GCM key for the records. */
export async function openHeader(header: WebSnapshotHeader, dataKey: WebCryptoKey): Promise<WebCryptoKey> {
  const bytes = header.headerBytes as Uint8Array<ArrayBuffer>;
  const keyCheckAt = header.headerLength - HEADER_TAIL_LENGTH + 4;
  const macAt = keyCheckAt + KEY_CHECK_LENGTH;
  const bits = await deriveFileKeyBits(dataKey, header.fileSalt as Uint8Array<ArrayBuffer>);
  const macKey = await crypto.subtle.importKey("raw", bits.macKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  bits.macKey.fill(0);
  try {
    const storedCheck = bytes.subarray(keyCheckAt, macAt);
    const storedMac = bytes.subarray(macAt, header.headerLength);
    const macOver = async (keyCheck: Uint8Array): Promise<Uint8Array> => {
      const signed = new Uint8Array(macAt);
      signed.set(bytes.subarray(0, keyCheckAt));
      signed.set(keyCheck, keyCheckAt);
      return new Uint8Array(await crypto.subtle.sign("HMAC", macKey, signed));
    };

    if (differingBits(storedCheck, bits.keyCheck) !== 0) {
      // The right key with only the key-check bytes damaged still verifies the MAC over the expected
      // key check; saying so spares the customer a pointless hunt for another key.
      if (differingBits(await macOver(bits.keyCheck), storedMac) === 0) {
        throw new WebSnapshotError(
          "E_HEADER_CORRUPT",
          "the file is damaged: the key is right but the header's key-check bytes were altered in storage or transfer — download the export again",
          { offset: keyCheckAt },
        );
      }
      throw new WebSnapshotError(
        "E_WRONG_KEY",
        `the data key does not open this snapshot (key id "${header.keyId}") — check that the file belongs to this account ` +
          "and that the key was fetched for this file's key id",
      );
    }
    const wrongBits = differingBits(await macOver(storedCheck), storedMac);
    if (wrongBits !== 0) {
      if (wrongBits <= MAC_DAMAGE_MAX_BITS) {
        throw new WebSnapshotError(
          "E_HEADER_CORRUPT",
          "the file is damaged: its header authentication code was altered in storage or transfer — download the export again",
          { offset: macAt },
        );
      }
      throw new WebSnapshotError(
        "E_HEADER_TAMPERED",
        `the file was altered: its header was changed after it was written (the checksum was fixed up but the authentication code does not verify) — ${DO_NOT_RESTORE}`,
        { offset: macAt },
      );
    }
    return await crypto.subtle.importKey("raw", bits.payloadKey, "AES-GCM", false, ["decrypt"]);
  } finally {
    bits.payloadKey.fill(0);
  }
}

/** Number of differing bits; runs over every byte whatever the inputs, so timing says nothing about them. */
function differingBits(a: Uint8Array, b: Uint8Array): number {
  let bits = a.length === b.length ? 0 : 256;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    let x = ((a[i] ?? 0) ^ (b[i] ?? 0)) & 0xff;
    for (; x !== 0; x &= x - 1) bits++;
  }
  return bits;
}

// Turns a structurally valid header plus the caller's key into the payload key, or refuses. Runs
// before any record is read, so a wrong key or a tampered header never releases a byte of plaintext.
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { KEY_CHECK_LENGTH, KEY_LENGTH } from "./constants.ts";
import { deriveFileKeys, derivePassphraseKey } from "./derive-keys.ts";
import { SnapshotFormatError } from "./errors.ts";
import type { ParsedHeader } from "./parse-header.ts";
import type { DecryptionKey, SnapshotHeader } from "./types.ts";

// A MAC that differs from the expected one in a handful of bits is a damaged MAC field, not a forgery:
// a changed header gives an unrelated MAC (about 128 of 256 bits differ). Either way the file is refused.
const MAC_DAMAGE_MAX_BITS = 8;

/** Check the key against the header (key check, then MAC) and return the payload key. */
export async function openHeader(headerBytes: Buffer, parsed: ParsedHeader, key: DecryptionKey): Promise<KeyObject> {
  const { header, crcAt } = parsed;
  const ikm = await deriveIkm(header, key);
  const keys = deriveFileKeys(ikm, header.fileSalt);
  // The stretched passphrase is ours to wipe; a managed data key belongs to the caller's unwrap.
  if (header.keyMode !== "managed") ikm.fill(0);
  const keyCheckAt = crcAt + 4;
  const macAt = keyCheckAt + KEY_CHECK_LENGTH;
  const storedCheck = headerBytes.subarray(keyCheckAt, macAt);
  const storedMac = headerBytes.subarray(macAt, header.byteLength);
  const macOver = (keyCheck: Buffer): Buffer =>
    createHmac("sha256", keys.macKey).update(headerBytes.subarray(0, keyCheckAt)).update(keyCheck).digest();

  if (!timingSafeEqual(storedCheck, keys.keyCheck)) {
    // The right key with only the key-check bytes damaged still verifies the MAC over the
    // expected key check; telling that apart spares the user a pointless hunt for another passphrase.
    if (timingSafeEqual(macOver(keys.keyCheck), storedMac)) {
      throw new SnapshotFormatError(
        "E_HEADER_CORRUPT",
        "the key is right but the header's key-check bytes are damaged — download the snapshot again or use another copy",
        { offset: keyCheckAt },
      );
    }
    throw wrongKey(header);
  }
  const expectedMac = macOver(storedCheck);
  if (!timingSafeEqual(expectedMac, storedMac)) {
    if (differingBits(expectedMac, storedMac) <= MAC_DAMAGE_MAX_BITS) {
      throw new SnapshotFormatError(
        "E_HEADER_CORRUPT",
        "the header's MAC bytes are damaged (the key is right) — download the snapshot again or use another copy",
        { offset: macAt },
      );
    }
    throw new SnapshotFormatError(
      "E_HEADER_TAMPERED",
      "the header was changed after it was written (its checksum was fixed up but its MAC does not verify) — " +
        "do not restore from this file; report it and use another copy",
      { offset: macAt },
    );
  }
  // A KeyObject, made once: handing createDecipheriv a raw Buffer costs ~8 µs of key import per chunk.
  const payloadKey = createSecretKey(keys.payloadKey);
  keys.macKey.fill(0);
  keys.payloadKey.fill(0);
  return payloadKey;
}

async function deriveIkm(header: SnapshotHeader, key: DecryptionKey): Promise<Uint8Array> {
  if (header.keyMode === "managed") {
    if (!("unwrap" in key) || typeof key.unwrap !== "function") {
      throw new SnapshotFormatError(
        "E_KEY_MODE",
        "this snapshot is encrypted with a managed customer key, not a passphrase — decrypt it with the customer key",
      );
    }
    let dataKey: Uint8Array;
    try {
      dataKey = await key.unwrap(header.keyId ?? "", header.wrappedKey ?? new Uint8Array());
    } catch (cause) {
      throw wrongKey(header, cause);
    }
    if (!(dataKey instanceof Uint8Array) || dataKey.length !== KEY_LENGTH) throw wrongKey(header);
    return dataKey;
  }
  if (!("passphrase" in key) || typeof key.passphrase !== "string") {
    throw new SnapshotFormatError(
      "E_KEY_MODE",
      `this snapshot is encrypted with a ${header.keyMode === "keyfile" ? "key file" : "passphrase"}, ` +
        "not a managed customer key — supply the passphrase or key file",
    );
  }
  return derivePassphraseKey(key.passphrase, header.fileSalt, header.iterations ?? 0);
}

function wrongKey(header: SnapshotHeader, cause?: unknown): SnapshotFormatError {
  const message =
    header.keyMode === "managed"
      ? `the customer key does not open this snapshot's data key (key id "${header.keyId ?? ""}") — ` +
        "check that the snapshot belongs to this customer and the key id matches"
      : "wrong passphrase or key file — check BACKUP_PASSPHRASE / the key file";
  // Keep the unwrap failure visible: "key service unreachable" should not hide behind "wrong key".
  const detail = cause instanceof Error && !(cause instanceof SnapshotFormatError) ? ` (unwrap failed: ${cause.message})` : "";
  return new SnapshotFormatError("E_WRONG_KEY", message + detail, { cause });
}

function differingBits(a: Buffer, b: Buffer): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i] ?? 0) ^ (b[i] ?? 0);
    for (; x !== 0; x &= x - 1) bits++;
  }
  return bits;
}

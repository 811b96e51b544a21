// Validates and decodes the key slot once the header CRC has passed. The bounds here are what stop a
// hostile header from making a reader run a multi-hour PBKDF2 or accept a key it cannot use.
import { MAX_ITERATIONS, MIN_ITERATIONS, OFFSET_SLOT, WRAPPED_KEY_LENGTH } from "./constants.ts";
import { SnapshotFormatError } from "./errors.ts";
import type { KeyMode } from "./types.ts";

export interface KeySlot {
  iterations?: number;
  keyId?: string;
  wrappedKey?: Uint8Array;
}

const PASSPHRASE_SLOT_LENGTH = 4;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode the slot for `mode`; throws E_HEADER_FIELD when it does not fit the mode or its bounds. */
export function decodeKeySlot(mode: KeyMode, slot: Buffer): KeySlot {
  if (mode !== "managed") {
    if (slot.length !== PASSPHRASE_SLOT_LENGTH) {
      throw fieldError(`a ${mode} header needs a 4-byte key slot, this one has ${slot.length}`, OFFSET_SLOT);
    }
    const iterations = slot.readUInt32BE(0);
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw fieldError(
        `PBKDF2 iteration count ${iterations} is outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`,
        OFFSET_SLOT,
      );
    }
    return { iterations };
  }
  // Managed: u8 keyIdLen ‖ keyId ‖ u8 wrappedLen ‖ wrapped. Every length must add up exactly.
  const keyIdLength = slot.length > 0 ? (slot[0] ?? 0) : 0;
  if (keyIdLength === 0) throw fieldError("a managed header needs a key id of 1..255 bytes", OFFSET_SLOT);
  const wrappedLengthAt = 1 + keyIdLength;
  if (slot.length !== wrappedLengthAt + 1 + WRAPPED_KEY_LENGTH || slot[wrappedLengthAt] !== WRAPPED_KEY_LENGTH) {
    throw fieldError(
      `a managed key slot must be keyIdLen ‖ keyId ‖ 40 ‖ 40-byte wrapped key; this one does not add up (${slot.length} bytes)`,
      OFFSET_SLOT,
    );
  }
  let keyId: string;
  try {
    keyId = strictUtf8.decode(slot.subarray(1, wrappedLengthAt));
  } catch {
    throw fieldError("the key id in the header is not valid UTF-8", OFFSET_SLOT + 1);
  }
  return { keyId, wrappedKey: Buffer.from(slot.subarray(wrappedLengthAt + 1)) };
}

/** An E_HEADER_FIELD error: the CRC passed, so this is a buggy or hostile writer, not line noise. */
export function fieldError(what: string, offset: number): SnapshotFormatError {
  return new SnapshotFormatError(
    "E_HEADER_FIELD",
    `${what} — the header was not written by a Nacre writer or was altered; do not trust this file, use another copy`,
    { offset },
  );
}

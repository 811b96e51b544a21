// Data keys. Each snapshot gets a fresh 32-byte data key; the control plane wraps it under the
// customer key K_cust with AES-256-KW (RFC 3394), and the wrapped form travels in the snapshot header.
// RFC 3394's integrity check makes a wrong KEK fail loudly instead of yielding a random "data key".
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KeyError } from "./key-error.ts";

/** Length of a data key and of a customer key (AES-256). */
export const DATA_KEY_LENGTH = 32;
/** AES-256-KW of a 32-byte data key: 8 bytes of integrity check value plus the key. */
export const WRAPPED_KEY_LENGTH = 40;

// RFC 3394 section 2.2.3.1 default initial value.
const DEFAULT_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
const WRAP_CIPHER = "id-aes256-wrap";

/** A fresh random 32-byte data key for one snapshot. */
export function generateDataKey(): Uint8Array {
  return randomBytes(DATA_KEY_LENGTH);
}

/** Wrap a 32-byte data key under a 32-byte KEK (the customer key) with AES-256-KW; returns 40 bytes. */
export function wrapDataKey(kek: Uint8Array, dataKey: Uint8Array): Uint8Array {
  requireLength("key-encryption key", kek, DATA_KEY_LENGTH);
  requireLength("data key", dataKey, DATA_KEY_LENGTH);
  const cipher = createCipheriv(WRAP_CIPHER, kek, DEFAULT_IV);
  return Buffer.concat([cipher.update(dataKey), cipher.final()]);
}

/** Unwrap a 40-byte AES-256-KW blob; throws E_WRONG_KEY when the KEK does not match. */
export function unwrapDataKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  requireLength("key-encryption key", kek, DATA_KEY_LENGTH);
  if (wrapped.length !== WRAPPED_KEY_LENGTH) {
    throw new KeyError(
      "E_WRONG_KEY",
      `the wrapped data key is ${wrapped.length} bytes, not ${WRAPPED_KEY_LENGTH} — it was not made by wrapDataKey`,
    );
  }
  try {
    const decipher = createDecipheriv(WRAP_CIPHER, kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch (cause) {
    // OpenSSL reports the RFC 3394 integrity-check failure as a generic cipher error.
    throw new KeyError(
      "E_WRONG_KEY",
      "the customer key does not open this wrapped data key — check that the right customer key (key id) is used",
      { cause },
    );
  }
}

function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new KeyError("E_KEY_INPUT", `the ${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

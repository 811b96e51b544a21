// Byte and text helpers shared by the key primitives. Strictness is the point: Buffer.from(text, "base64url")
// silently skips characters it does not know, and TextEncoder turns a lone surrogate into U+FFFD; either
// would let two different inputs stand for the same bytes inside a signed or sealed message.

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the string, so decode(encode(text)) === text for every valid text.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes as unpadded base64url (RFC 4648 section 5). */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** Decodes unpadded base64url; undefined unless `text` is exactly what toBase64url produces for some bytes. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, "base64url");
  // Re-encoding rejects non-zero padding bits, so each byte string has exactly one accepted text.
  return bytes.toString("base64url") === text ? bytes : undefined;
}

/** The UTF-8 bytes of `text`; undefined when it holds a lone surrogate, which has no UTF-8 form. */
export function toUtf8(text: string): Uint8Array | undefined {
  const bytes = encoder.encode(text);
  return fromUtf8(bytes) === text ? bytes : undefined;
}

/** Decodes UTF-8; undefined when `bytes` are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

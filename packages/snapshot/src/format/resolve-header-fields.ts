// Writer-side validation. A writer must never produce a file that a reader refuses, so the same
// bounds apply here, reported as E_INVALID_OPTION (the caller's mistake, not a damaged file).
import { randomBytes } from "node:crypto";
import {
  CONTENT_TYPE_CODES,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_ITERATIONS,
  KEY_LENGTH,
  MAX_CHUNK_SIZE,
  MAX_ITERATIONS,
  MAX_KEY_ID_BYTES,
  MIN_CHUNK_SIZE,
  MIN_ITERATIONS,
  SALT_LENGTH,
  WRAPPED_KEY_LENGTH,
} from "./constants.ts";
import type { HeaderFields } from "./encode-header.ts";
import { SnapshotFormatError } from "./errors.ts";
import type { EncryptOptions } from "./types.ts";

/** Validate writer options and fill in defaults (chunk size, iterations, a fresh random salt). */
export function resolveHeaderFields(opts: EncryptOptions): HeaderFields {
  const { key, contentType } = opts;
  if (!Object.hasOwn(CONTENT_TYPE_CODES, contentType)) {
    throw invalid(`content type "${String(contentType)}" is not one of ${Object.keys(CONTENT_TYPE_CODES).join(", ")}`);
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  requireIntegerIn("chunk size", chunkSize, MIN_CHUNK_SIZE, MAX_CHUNK_SIZE);
  const fileSalt = opts.fileSalt === undefined ? randomBytes(SALT_LENGTH) : Buffer.from(opts.fileSalt);
  if (fileSalt.length !== SALT_LENGTH) throw invalid(`the file salt must be ${SALT_LENGTH} bytes, got ${fileSalt.length}`);
  const common = { contentType, chunkSize, fileSalt };

  if (key.mode === "passphrase" || key.mode === "keyfile") {
    if (typeof key.passphrase !== "string" || key.passphrase.length === 0) {
      throw invalid(`an empty ${key.mode === "keyfile" ? "key file" : "passphrase"} protects nothing — set a passphrase`);
    }
    const iterations = key.iterations ?? DEFAULT_ITERATIONS;
    requireIntegerIn("PBKDF2 iteration count", iterations, MIN_ITERATIONS, MAX_ITERATIONS);
    return { ...common, keyMode: key.mode, iterations };
  }
  if (key.mode === "managed") {
    const keyIdBytes = Buffer.byteLength(key.keyId ?? "", "utf8");
    if (keyIdBytes < 1 || keyIdBytes > MAX_KEY_ID_BYTES) {
      throw invalid(`the key id must be 1..${MAX_KEY_ID_BYTES} bytes of UTF-8, got ${keyIdBytes}`);
    }
    if (key.dataKey?.length !== KEY_LENGTH) throw invalid(`the data key must be ${KEY_LENGTH} bytes`);
    if (key.wrappedKey?.length !== WRAPPED_KEY_LENGTH) {
      throw invalid(`the wrapped key must be ${WRAPPED_KEY_LENGTH} bytes (AES-256-KW of the data key)`);
    }
    return { ...common, keyMode: "managed", keyId: key.keyId, wrappedKey: Buffer.from(key.wrappedKey) };
  }
  throw invalid(`key mode "${String((key as { mode: unknown }).mode)}" is not passphrase, keyfile or managed`);
}

function requireIntegerIn(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} ${value} is outside ${min}..${max}`);
  }
}

function invalid(message: string): SnapshotFormatError {
  return new SnapshotFormatError("E_INVALID_OPTION", message);
}

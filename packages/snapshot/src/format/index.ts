// The Nacre snapshot file format, version 1 (spec: docs/format.md). Pure: no file or network I/O;
// callers bring streams and, for managed keys, an unwrap function.
export {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_ITERATIONS,
  MAX_CHUNK_SIZE,
  MAX_ITERATIONS,
  MIN_CHUNK_SIZE,
  MIN_ITERATIONS,
} from "./constants.ts";
export { createDecryptStream } from "./decrypt-stream.ts";
export { createEncryptStream, type EncryptStream } from "./encrypt-stream.ts";
export { SnapshotFormatError, isSnapshotFormatError } from "./errors.ts";
export type { FormatErrorCode } from "./errors.ts";
export { generateDataKey, unwrapDataKey, wrapDataKey } from "@nacre/core";
export { parseHeader } from "./parse-header.ts";
export { decryptBuffer, encryptBuffer } from "./transform-buffer.ts";
export type {
  ContentType,
  DecryptionKey,
  DecryptOptions,
  EncryptionKey,
  EncryptOptions,
  KeyMode,
  SnapshotHeader,
} from "./types.ts";

// One error class for everything the format can refuse. The `code` is stable (CLI exit paths, the
// dashboard and support runbooks key on it); the message says what happened and what to do.

export type FormatErrorCode =
  /** The file ends before its final record (cut-short upload or download, or an empty file). */
  | "E_TRUNCATED"
  /** The first bytes are not the snapshot magic. */
  | "E_NOT_A_SNAPSHOT"
  /** A header field is out of bounds or undefined, with an intact header CRC (hostile or buggy writer). */
  | "E_HEADER_FIELD"
  /** The header's bytes were damaged (CRC mismatch, or damage confined to key check / MAC). */
  | "E_HEADER_CORRUPT"
  /** A newer format version or cipher suite than this reader knows. */
  | "E_UNSUPPORTED_VERSION"
  /** A passphrase was given for a managed snapshot, or an unwrap function for a passphrase snapshot. */
  | "E_KEY_MODE"
  /** The key does not open this snapshot. Raised before any plaintext. */
  | "E_WRONG_KEY"
  /** The header's fields were changed after writing (checksums fixed up, MAC not). */
  | "E_HEADER_TAMPERED"
  /** A record's bytes were damaged (CRC mismatch) or its length field is impossible. */
  | "E_CHUNK_CORRUPT"
  /** An authentic record sits at the wrong position: records were reordered or moved. */
  | "E_CHUNK_ORDER"
  /** A record does not authenticate: it (or the header) comes from another file, or was forged. */
  | "E_FOREIGN_CHUNK"
  /** Bytes follow the final record. */
  | "E_TRAILING_DATA"
  /** The writer was called with an option the format cannot carry. */
  | "E_INVALID_OPTION"
  /** Raised by callers (the read pipeline), not the format: the file is encrypted and no key is configured. */
  | "E_KEY_REQUIRED";

export interface FormatErrorDetails {
  /** Byte offset in the snapshot file where the problem was found, when there is one. */
  offset?: number;
  cause?: unknown;
}

export class SnapshotFormatError extends Error {
  readonly code: FormatErrorCode;
  readonly offset: number | undefined;

  constructor(code: FormatErrorCode, message: string, details: FormatErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "SnapshotFormatError";
    this.code = code;
    this.offset = details.offset;
  }
}

/** True when `error` is a SnapshotFormatError, optionally with the given code. */
export function isSnapshotFormatError(error: unknown, code?: FormatErrorCode): error is SnapshotFormatError {
  return error instanceof SnapshotFormatError && (code === undefined || error.code === code);
}

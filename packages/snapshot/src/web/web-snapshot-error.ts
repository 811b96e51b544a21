// The browser decryptor's one error class. Codes are the Node reader's (../format/errors.ts) for the
// same failure, so the dashboard, the CLI and support runbooks key on one vocabulary; the messages are
// written for a customer at the "Decrypt locally" page rather than for an operator at a shell.

export type WebSnapshotErrorCode =
  /** The file ends before its final record (cut-short download, or an empty file). */
  | "E_TRUNCATED"
  /** The first bytes are not the snapshot magic: the wrong file was picked. */
  | "E_NOT_A_SNAPSHOT"
  /** A header field is out of bounds with an intact CRC (hostile or buggy writer). */
  | "E_HEADER_FIELD"
  /** The header's bytes were damaged (CRC mismatch, or damage confined to key check / MAC). */
  | "E_HEADER_CORRUPT"
  /** A newer format version or cipher suite than this decryptor knows. */
  | "E_UNSUPPORTED_VERSION"
  /** Not a managed-key snapshot: passphrase and key-file snapshots are decrypted with the CLI. */
  | "E_KEY_MODE"
  /** The data key does not open this snapshot. Raised before any output. */
  | "E_WRONG_KEY"
  /** The header's fields were changed after writing (CRC fixed up, MAC not). Raised before any output. */
  | "E_HEADER_TAMPERED"
  /** A record's bytes were damaged (CRC mismatch) or its length field is impossible. */
  | "E_CHUNK_CORRUPT"
  /** An authentic record sits at the wrong position: records were reordered, dropped or duplicated. */
  | "E_CHUNK_ORDER"
  /** A record does not authenticate: it (or the header) comes from another file, or was forged. */
  | "E_FOREIGN_CHUNK"
  /** Bytes follow the final record. */
  | "E_TRAILING_DATA"
  /** The authenticated payload does not decompress (same code as the CLI's decompression failures). */
  | "E_COMPRESSED_CORRUPT";

/** A refusal with a stable `code`; `offset` is the byte offset in the snapshot file, when there is one. */
export class WebSnapshotError extends Error {
  readonly code: WebSnapshotErrorCode;
  readonly offset: number | undefined;

  constructor(code: WebSnapshotErrorCode, message: string, details: { offset?: number; cause?: unknown } = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "WebSnapshotError";
    this.code = code;
    this.offset = details.offset;
  }
}

/** True when `error` is a WebSnapshotError, optionally with the given code. */
export function isWebSnapshotError(error: unknown, code?: WebSnapshotErrorCode): error is WebSnapshotError {
  return error instanceof WebSnapshotError && (code === undefined || error.code === code);
}

/** The advice every "damaged in transit" refusal ends with. */
export const DOWNLOAD_AGAIN = "download the export again";
/** The advice every "altered on purpose" refusal ends with. */
export const DO_NOT_RESTORE = "do not restore from this file; download the export again and report it to support if it happens again";

// One error type for everything a store can reject with, each with a code a caller can branch on
// and a message that tells the user what to do.

export type StorageErrorCode =
  /** The credentials were rejected (or lack permission on the bucket). */
  | "E_AUTH"
  /** The bucket does not exist at the endpoint. */
  | "E_NO_BUCKET"
  /** The backup directory of a filesystem store does not exist. */
  | "E_NO_DIR"
  /** The endpoint could not be reached, even after retries. */
  | "E_NETWORK"
  /** The service kept answering 5xx or throttling, even after retries. */
  | "E_UNAVAILABLE"
  | "E_NOT_FOUND"
  /** The object was replaced while it was being read or stamped. */
  | "E_CHANGED"
  /** The data needed more than 10,000 parts at the part size chosen from expectedSize. */
  | "E_TOO_MANY_PARTS"
  /** After upload the stored object's size differs from the bytes sent. */
  | "E_SIZE_MISMATCH"
  /** After upload the stored object's sha256/size metadata is missing or wrong. */
  | "E_METADATA_MISMATCH"
  /** put() was cancelled through its AbortSignal; nothing was kept. */
  | "E_ABORTED"
  /** The body passed to put() failed; nothing was kept (the source's error is the cause). */
  | "E_SOURCE"
  | "E_BAD_KEY"
  | "E_BAD_ARGUMENT"
  /** Any other request the service refused (a 4xx this adapter does not expect). */
  | "E_REQUEST"
  /** Completing a multipart upload: a part is missing, misnumbered or has another ETag than reported. */
  | "E_INVALID_PART"
  /** Completing a multipart upload: a part other than the last is below the service's minimum size. */
  | "E_PART_TOO_SMALL"
  /** The multipart upload no longer exists (aborted, completed, or expired by a lifecycle rule). */
  | "E_NO_UPLOAD"
  /** The caller's getUrls() failed or returned unusable pre-signed URLs. */
  | "E_PRESIGNED_URLS"
  /** A filesystem error other than a missing file (disk full, permissions, …). */
  | "E_IO";

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  /** Set when removing the half-written upload also failed after this error. */
  cleanupError?: unknown;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "StorageError";
    this.code = code;
  }
}

/** True when `err` is a StorageError, with the given code if one is passed. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

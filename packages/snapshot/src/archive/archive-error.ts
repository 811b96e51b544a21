// Every failure a user can meet on the archive path carries a stable code, so the agent can report it and
// the dashboard can map it to advice, plus the path it concerns when there is one.

/** Stable codes of archive and extraction failures. */
export type ArchiveErrorCode =
  | "E_ROOT_MISSING"
  | "E_ROOT_INVALID"
  | "E_UNREADABLE"
  | "E_ARCHIVE_IO"
  | "E_SQLITE_INTEGRITY"
  | "E_SQLITE_CAPTURE"
  | "E_ABORTED"
  | "E_ARCHIVE_CORRUPT"
  | "E_ARCHIVE_TRUNCATED"
  | "E_UNSAFE_PATH"
  | "E_UNSAFE_LINK"
  | "E_UNSUPPORTED_ENTRY"
  | "E_DUPLICATE_ENTRY"
  | "E_TARGET_NOT_EMPTY"
  | "E_EXTRACT_IO";

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  readonly path: string | undefined;

  constructor(code: ArchiveErrorCode, message: string, opts: { path?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ArchiveError";
    this.code = code;
    this.path = opts.path;
  }
}

/** The errno code of a Node system error (ENOENT, EACCES, ...), or undefined for anything else. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

/** The error to reject with when an AbortSignal fired, keeping its reason as the cause. */
export function abortedError(signal: AbortSignal | undefined, what: string): ArchiveError {
  return new ArchiveError("E_ABORTED", `${what} was cancelled; start it again when ready`, { cause: signal?.reason });
}

import { CliError, ExitCode } from "./cli-error.ts";

const STORAGE_CODES = new Set([
  "E_AUTH", "E_NO_BUCKET", "E_NO_DIR", "E_NETWORK", "E_UNAVAILABLE", "E_NOT_FOUND", "E_CHANGED", "E_TOO_MANY_PARTS",
  "E_SIZE_MISMATCH", "E_METADATA_MISMATCH", "E_BAD_KEY", "E_BAD_ARGUMENT", "E_REQUEST", "E_IO",
]);
const INTEGRITY_CODES = new Set([
  "E_TRUNCATED", "E_NOT_A_SNAPSHOT", "E_HEADER_FIELD", "E_HEADER_CORRUPT", "E_UNSUPPORTED_VERSION", "E_KEY_MODE",
  "E_WRONG_KEY", "E_HEADER_TAMPERED", "E_CHUNK_CORRUPT", "E_CHUNK_ORDER", "E_FOREIGN_CHUNK", "E_TRAILING_DATA",
  "E_KEY_REQUIRED", "E_COMPRESSED_CORRUPT", "E_ARCHIVE_CORRUPT", "E_ARCHIVE_TRUNCATED", "E_HASH_MISMATCH",
]);
const SOURCE_CODES = new Set(["E_UNREADABLE", "E_ROOT_MISSING", "E_SQLITE_INTEGRITY", "E_SQLITE_CAPTURE", "E_ARCHIVE_IO", "E_EXTRACT_IO"]);
const RESTORE_CODES = new Set(["E_UNSAFE_PATH", "E_UNSAFE_LINK", "E_UNSUPPORTED_ENTRY", "E_DUPLICATE_ENTRY", "E_TARGET_NOT_EMPTY"]);
const CONFIG_PREFIX = "E_CONFIG";
const KEYFILE_PREFIX = "E_KEYFILE";

/** Maps any error from the packages to a CliError with a stable code and exit code. */
export function classifyError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  // The store wraps a failure of the data it was uploading as E_SOURCE/E_ABORTED; the real reason
  // (a snapshot, archive or config error) is the cause, and that is what the user must see.
  const wrapper = err as { code?: unknown; cause?: unknown };
  if ((wrapper?.code === "E_SOURCE" || wrapper?.code === "E_ABORTED") && wrapper.cause) return classifyError(wrapper.cause);
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? stripCodePrefix(e.message, code) : String(err);
  if (code.startsWith(CONFIG_PREFIX) || code === "E_SCHEDULE" || code === "E_ROOT_INVALID" || code.startsWith(KEYFILE_PREFIX)) return new CliError(code, message, ExitCode.config, { cause: err });
  if (STORAGE_CODES.has(code)) return new CliError(code, message, ExitCode.storage, { cause: err });
  if (INTEGRITY_CODES.has(code) || code === "ERR_ZSTD_INVALID_INPUT" || code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR") {
    return new CliError(code.startsWith("E_") ? code : "E_COMPRESSED_CORRUPT", code.startsWith("E_") ? message : `the backup's compressed data is damaged (${message})`, ExitCode.integrity, { cause: err });
  }
  if (SOURCE_CODES.has(code)) return new CliError(code, message, ExitCode.source, { cause: err });
  if (RESTORE_CODES.has(code)) return new CliError(code, message, ExitCode.restoreRefused, { cause: err });
  if (code === "ABORT_ERR" || code === "E_ABORTED" || e?.name === "AbortError") return new CliError("E_INTERRUPTED", "interrupted — nothing was recorded as a backup", ExitCode.interrupted, { cause: err });
  if (code === "ENOSPC") return new CliError("E_DISK_FULL", `${message} — free some disk space and retry`, ExitCode.source, { cause: err });
  return new CliError(code || "E_INTERNAL", message, ExitCode.internal, { cause: err });
}

function stripCodePrefix(message: string, code: string): string {
  return code && message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}

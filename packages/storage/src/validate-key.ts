// Keys are the same for every store, so one rule decides which are valid: a key that works on S3
// must also be a safe relative path on a filesystem store, and the other way round.
import { StorageError } from "./storage-error.ts";

/** Suffixes the filesystem store uses for its own files; user keys may not end with them. */
export const PARTIAL_MARKER = ".partial-";
export const SIDECAR_SUFFIX = ".meta.json";

const MAX_KEY_BYTES = 1024; // S3's limit

/** Throws E_BAD_KEY unless `key` is a relative, normalised, "/"-separated path of at most 1024 bytes. */
export function validateKey(key: string): void {
  const reason = keyProblem(key);
  if (reason) throw new StorageError("E_BAD_KEY", `invalid object key ${JSON.stringify(key)}: ${reason}`);
}

/** Throws E_BAD_KEY for a list prefix that could point outside the store ("..", absolute, NUL). */
export function validatePrefix(prefix: string): void {
  if (prefix === "") return;
  const problem = segmentProblem(prefix.split("/").slice(0, -1)) ?? characterProblem(prefix);
  if (problem || prefix.split("/").at(-1) === "..") {
    throw new StorageError("E_BAD_KEY", `invalid list prefix ${JSON.stringify(prefix)}: ${problem ?? "'..' is not allowed"}`);
  }
}

function keyProblem(key: string): string | undefined {
  if (key === "") return "it is empty";
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  const name = key.split("/").at(-1) ?? "";
  if (name.includes(PARTIAL_MARKER) || name.endsWith(SIDECAR_SUFFIX)) {
    return `names containing "${PARTIAL_MARKER}" or ending in "${SIDECAR_SUFFIX}" are reserved for the store's own files`;
  }
  return characterProblem(key) ?? segmentProblem(key.split("/"));
}

function characterProblem(value: string): string | undefined {
  if (value.startsWith("/")) return "it must be relative (no leading '/')";
  if (value.includes("\\")) return "use '/' to separate directories, not '\\'";
  if (value.includes("\0")) return "it contains a NUL character";
  return undefined;
}

function segmentProblem(segments: string[]): string | undefined {
  for (const segment of segments) {
    if (segment === "") return "it has an empty path segment ('//' or a trailing '/')";
    if (segment === "." || segment === "..") return "'.' and '..' segments are not allowed";
  }
  return undefined;
}

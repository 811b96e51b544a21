// Which S3 failures are worth retrying, and how the ones that remain become StorageErrors a user
// can act on. The SDK reports a service error by name and HTTP status, a network failure by a
// Node error code (or the name "TimeoutError" for the handler's own timeouts).
import { StorageError } from "../storage-error.ts";

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestThrottled",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestTimeout",
  "RequestTimeoutException",
]);
const AUTH = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "InvalidToken",
  "ExpiredToken",
  "Forbidden",
  "Unauthorized",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of a service error, undefined for network failures. */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for failures below HTTP: refused or reset connections, DNS errors, timeouts, cut bodies. */
export function isNetworkError(err: unknown): boolean {
  for (let e = err as ErrorShape | undefined, depth = 0; e && depth < 5; e = e.cause as ErrorShape, depth++) {
    if (e.name === "TimeoutError") return true;
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
    // node:http reports a response cut short as a plain Error("aborted") with ECONNRESET, but
    // streams wrapped by the SDK may surface only the message
    if (e.message === "aborted" || e.message === "socket hang up") return true;
  }
  return false;
}

/** True for 5xx, throttling and network failures; false for other 4xx (retrying cannot fix those). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof StorageError) return false;
  const status = httpStatusOf(err);
  const name = (err as ErrorShape | undefined)?.name ?? "";
  if (status !== undefined) return status >= 500 || status === 429 || THROTTLING.has(name);
  return isNetworkError(err);
}

/** Where a failed call was going, for the message. */
export interface FailureContext {
  /** What was being done, e.g. `UploadPart 3 of "nightly/2024-…"`. */
  what: string;
  key?: string;
  bucket: string;
  endpoint: string;
  attempts: number;
  signal?: AbortSignal;
}

/** Turns an SDK or network error into a StorageError with a code and a message saying what to do. */
export function toStorageError(err: unknown, ctx: FailureContext): StorageError {
  if (err instanceof StorageError) return err;
  if (ctx.signal?.aborted) {
    return new StorageError("E_ABORTED", `${ctx.what} was cancelled`, { cause: ctx.signal.reason ?? err });
  }
  const shape = (err ?? {}) as ErrorShape;
  const status = httpStatusOf(err);
  const name = shape.name ?? "Error";
  const where = `bucket "${ctx.bucket}" at ${ctx.endpoint}`;
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : "";

  if (status === 401 || status === 403 || AUTH.has(name)) {
    return new StorageError(
      "E_AUTH",
      `${ctx.endpoint} rejected the credentials for bucket "${ctx.bucket}" (${name}) — check the access key id and ` +
        `secret, and that they may read and write this bucket`,
      { cause: err },
    );
  }
  if (name === "NoSuchBucket") {
    return new StorageError(
      "E_NO_BUCKET",
      `bucket "${ctx.bucket}" does not exist at ${ctx.endpoint} — create it or correct the bucket name`,
      { cause: err },
    );
  }
  if (status === 404 || name === "NoSuchKey" || name === "NotFound" || name === "NoSuchUpload") {
    const what = ctx.key === undefined ? ctx.what : `object "${ctx.key}"`;
    return new StorageError("E_NOT_FOUND", `${what} not found in ${where} (${name})`, { cause: err });
  }
  if (status === 412 || name === "PreconditionFailed") {
    return new StorageError(
      "E_CHANGED",
      `object "${ctx.key ?? "?"}" in ${where} was replaced during ${ctx.what} — start the operation again`,
      { cause: err },
    );
  }
  if (status === undefined && isNetworkError(err)) {
    const detail = shape.code ?? shape.name ?? "network error";
    return new StorageError(
      "E_NETWORK",
      `cannot reach ${ctx.endpoint} for ${ctx.what} (${detail})${tries} — check the endpoint URL, DNS, proxy and ` +
        `network connection`,
      { cause: err },
    );
  }
  if (isRetryable(err)) {
    return new StorageError(
      "E_UNAVAILABLE",
      `${ctx.endpoint} kept failing ${ctx.what} (${status ?? ""} ${name})${tries} — the service is having ` +
        `trouble; try again later`,
      { cause: err },
    );
  }
  return new StorageError(
    "E_REQUEST",
    `${ctx.what} was refused by ${where}: ${status ?? ""} ${name}: ${shape.message ?? ""}`,
    { cause: err },
  );
}

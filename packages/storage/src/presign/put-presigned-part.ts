// One part PUT to its pre-signed URL, as the agent sends it: a plain HTTP request with the bytes
// and a Content-Length, retried with jittered backoff on network errors, timeouts, 5xx and
// throttling; a 403 (the URL expired) gets a fresh URL once; any other 4xx fails at once.
import { setTimeout as sleep } from "node:timers/promises";
import { StorageError } from "../storage-error.ts";
import { backoffDelay } from "../s3/with-retry.ts";
import type { RetryPolicy } from "../s3/with-retry.ts";
import type { PartUrls } from "./part-urls.ts";

export interface PartPutter {
  urls: PartUrls;
  fetch: typeof fetch;
  retry: RetryPolicy;
  /** One attempt fails as a timeout after this long. */
  timeoutMs: number;
}

type Outcome =
  | { kind: "ok"; etag: string | null }
  | { kind: "status"; status: number; code: string; message: string }
  | { kind: "network"; err: unknown }
  | { kind: "timeout" };

// S3 answers a request whose body stalled with 400 RequestTimeout; like throttling, it passes.
const RETRYABLE_CODES = new Set(["RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "TooManyRequests"]);

/** Uploads part `n` and resolves to its ETag; `signal` aborts the request in flight and the waits. */
export async function putPresignedPart(p: PartPutter, n: number, data: Uint8Array, signal: AbortSignal): Promise<string> {
  let url = await p.urls.get(n);
  let refreshed = false;
  for (let attempt = 1; ; ) {
    const outcome = await attemptPut(p, url, data, signal);
    if (outcome.kind === "ok") {
      if (!outcome.etag) {
        throw new StorageError(
          "E_REQUEST",
          `${where(url)} accepted part ${n} but sent no ETag header, which completing the upload needs — if a proxy ` +
            `or CDN sits in front of the bucket, make it pass the ETag header through`,
        );
      }
      return outcome.etag;
    }
    // an expired URL is not retried as is: ask for a new one, once, without spending an attempt
    if (outcome.kind === "status" && outcome.status === 403 && !refreshed) {
      url = await p.urls.refresh(n);
      refreshed = true;
      continue;
    }
    if (!isRetryable(outcome) || attempt >= p.retry.maxAttempts) throw failure(outcome, n, url, attempt, refreshed);
    await sleep(backoffDelay(attempt, p.retry), undefined, { signal });
    attempt += 1;
  }
}

/** One PUT; rejects only when `signal` aborts, every other failure is an Outcome. */
async function attemptPut(p: PartPutter, url: string, data: Uint8Array, signal: AbortSignal): Promise<Outcome> {
  const timeout = AbortSignal.timeout(p.timeoutMs);
  // Typed as over a plain ArrayBuffer (it is one: parts are never shared memory) so the body fits both
  // Node's and the DOM's fetch typings (the dashboard typechecks this package with the DOM's).
  const body = (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Buffer<ArrayBuffer>;
  try {
    const res = await p.fetch(url, {
      method: "PUT",
      body,
      headers: { "content-length": String(body.length) },
      signal: AbortSignal.any([signal, timeout]),
    });
    if (res.ok) {
      // the body of a part's answer is empty; release the connection without waiting for it
      res.body?.cancel().catch(() => {});
      return { kind: "ok", etag: res.headers.get("etag") };
    }
    const text = await res.text();
    return {
      kind: "status",
      status: res.status,
      code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? res.statusText,
      message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "",
    };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) return { kind: "timeout" };
    // fetch rejects only for failures below HTTP (refused, reset, DNS, a body cut short)
    return { kind: "network", err };
  }
}

function isRetryable(o: Outcome): boolean {
  if (o.kind !== "status") return o.kind !== "ok";
  return o.status >= 500 || o.status === 429 || RETRYABLE_CODES.has(o.code);
}

function failure(o: Exclude<Outcome, { kind: "ok" }>, n: number, url: string, attempts: number, refreshed: boolean): StorageError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  const to = where(url);
  switch (o.kind) {
    case "timeout":
      return new StorageError("E_NETWORK", `uploading part ${n} to ${to} timed out${tries} — check the network connection`);
    case "network": {
      const cause = (o.err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? String(o.err);
      return new StorageError("E_NETWORK", `cannot reach ${to} to upload part ${n} (${detail})${tries} — check the network connection`, {
        cause: o.err,
      });
    }
    case "status": {
      const answer = `${o.status} ${o.code}${o.message ? `: ${o.message}` : ""}`;
      if (o.status === 403) {
        return new StorageError(
          "E_AUTH",
          `${to} refused part ${n} (${answer})${refreshed ? " with a freshly signed URL too" : ""} — check the control ` +
            `plane's signing credentials and clock`,
        );
      }
      if (o.status === 404 && o.code === "NoSuchUpload") {
        return new StorageError(
          "E_NO_UPLOAD",
          `the upload at ${to} no longer exists (${answer}): the control plane aborted it or it expired — take the backup again`,
        );
      }
      if (isRetryable(o)) return new StorageError("E_UNAVAILABLE", `${to} kept failing part ${n} (${answer})${tries} — try again later`);
      return new StorageError("E_REQUEST", `${to} refused part ${n}: ${answer}`);
    }
  }
}

/** The URL without its query: a pre-signed URL is a credential until it expires and stays out of messages. */
function where(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

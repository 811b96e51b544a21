// The agent's side of a managed-mode upload: it holds no bucket credentials, only pre-signed
// UploadPart URLs for one object, asked for in batches. It slices the (encrypted) stream into parts
// of exactly `partSize` bytes (R2 wants every part but the last the same size), hashes them in
// order, PUTs up to `concurrency` at once and reports { size, sha256, parts } for the control plane
// to complete. Reading waits while all slots are busy, so memory stays at about
// (concurrency + 1) × partSize. The first failure cancels the PUTs in flight and waits for them
// to settle, so the control plane's abort comes after the last part request.
import { createHash } from "node:crypto";
import { abortable } from "../abortable.ts";
import { MAX_PARTS, MAX_PART_SIZE } from "../choose-part-size.ts";
import { StorageError } from "../storage-error.ts";
import { PartBuffers } from "../s3/part-buffers.ts";
import { readParts } from "../s3/read-parts.ts";
import { DEFAULT_S3_TUNING } from "../s3/s3-tuning.ts";
import type { RetryPolicy } from "../s3/with-retry.ts";
import type { UploadedPart } from "./bucket-signer.ts";
import { createPartUrls } from "./part-urls.ts";
import type { GetPartUrls } from "./part-urls.ts";
import { putPresignedPart } from "./put-presigned-part.ts";

export interface PresignedUploadOptions {
  source: AsyncIterable<Uint8Array>;
  /** Bytes per part; every part but the last has exactly this size (choosePartSize() picks it). */
  partSize: number;
  /** Pre-signed URLs for parts fromPart..fromPart+count-1, from the control plane. */
  getUrls: GetPartUrls;
  /** Parts in flight at once, 1–16; default 4. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called with each chunk of `source` once it has been copied into a part (see PutOptions.release). */
  release?: (chunk: Uint8Array) => void;
  /** Called after each part is stored, with the bytes and parts stored so far. */
  onProgress?: (bytesUploaded: number, partsDone: number) => void;
  /** The HTTP client; the global fetch by default. */
  fetch?: typeof fetch;
  /** URLs asked for at once; default 16. */
  urlBatchSize?: number;
  /** Retries of one part; default 6 attempts, waits from 100–200 ms up to 5 s. */
  retry?: RetryPolicy;
  /** One PUT attempt times out after this long; default 30 s plus 1 s per 64 KiB of the part. */
  partTimeoutMs?: number;
}

export interface PresignedUploadResult {
  /** Bytes uploaded. */
  size: number;
  /** Hex SHA-256 of all bytes, in order. */
  sha256: string;
  /** Every part, numbered 1..n, with the ETag the service answered. */
  parts: UploadedPart[];
}

const MAX_CONCURRENCY = 16;

/** Uploads `source` through pre-signed part URLs; rejects with a StorageError on any failure or abort. */
export async function uploadToPresignedParts(opts: PresignedUploadOptions): Promise<PresignedUploadResult> {
  const { partSize, concurrency = 4 } = opts;
  checkOptions(partSize, concurrency);
  const cancel = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal;
  const putter = {
    urls: createPartUrls(opts.getUrls, opts.urlBatchSize ?? 16, MAX_PARTS, signal),
    fetch: opts.fetch ?? globalThis.fetch,
    retry: opts.retry ?? DEFAULT_S3_TUNING.retry,
    timeoutMs: opts.partTimeoutMs ?? 30_000 + Math.ceil(partSize / 65_536) * 1_000,
  };
  const hash = createHash("sha256");
  // Enough buffers for the parts in flight and the one being read; each comes back once stored.
  const buffers = new PartBuffers(partSize, concurrency + 1);
  const done: UploadedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let size = 0;
  let uploaded = 0;

  const start = (n: number, data: Uint8Array): void => {
    hash.update(data);
    size += data.length;
    const task = putPresignedPart(putter, n, data, signal).then(
      (etag) => {
        done.push({ number: n, etag });
        uploaded += data.length;
        buffers.give(data);
        opts.onProgress?.(uploaded, done.length);
      },
      (err: unknown) => {
        failure ??= { err };
        cancel.abort();
      },
    );
    inflight.add(task);
    void task.then(() => inflight.delete(task));
  };

  const parts = readParts(opts.source, partSize, opts.release, buffers);
  try {
    opts.signal?.throwIfAborted();
    for (let n = 1; !failure; n++) {
      const next = await abortable(parts.next(), signal);
      if (next.done) {
        // S3 and R2 need at least one part; an empty source is one empty (last) part
        if (n === 1) start(1, new Uint8Array(0));
        break;
      }
      if (n > MAX_PARTS) throw tooManyParts(partSize, size + next.value.length);
      start(n, next.value);
      while (inflight.size >= concurrency && !failure) await Promise.race(inflight);
    }
  } catch (err) {
    // the source failed, too many parts, or the signal aborted while waiting for the source
    failure ??= { err };
  } finally {
    if (failure) cancel.abort();
    await Promise.all(inflight); // the tasks never reject
    // stops reading the source if we stopped early; not awaited, a stalled source may never settle
    parts.return(undefined).catch(() => {});
  }
  if (failure) throw asStorageError(failure.err, opts.signal);
  done.sort((a, b) => a.number - b.number);
  return { size, sha256: hash.digest("hex"), parts: done };
}

function checkOptions(partSize: number, concurrency: number): void {
  if (!Number.isInteger(partSize) || partSize < 1 || partSize > MAX_PART_SIZE) {
    throw new StorageError("E_BAD_ARGUMENT", `partSize must be a whole number of bytes from 1 to ${MAX_PART_SIZE}, got ${partSize}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new StorageError("E_BAD_ARGUMENT", `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${concurrency}`);
  }
}

function tooManyParts(partSize: number, bytesSoFar: number): StorageError {
  return new StorageError(
    "E_TOO_MANY_PARTS",
    `the data needs more than ${MAX_PARTS} parts of ${partSize} bytes (${bytesSoFar} bytes read so far); nothing beyond ` +
      `part ${MAX_PARTS} was uploaded — the control plane must choose a larger part size (choosePartSize() with a ` +
      `larger expected size) and the backup be taken again`,
  );
}

/** Every rejection is a StorageError: an abort is E_ABORTED, a failing source E_SOURCE. */
function asStorageError(err: unknown, signal: AbortSignal | undefined): StorageError {
  if (signal?.aborted) return new StorageError("E_ABORTED", "the upload was cancelled", { cause: signal.reason ?? err });
  if (err instanceof StorageError) return err;
  return new StorageError(
    "E_SOURCE",
    `reading the data to upload failed: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

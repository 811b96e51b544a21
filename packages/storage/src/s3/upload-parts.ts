// Uploads the parts of one multipart upload, `partConcurrency` at a time, while hashing the bytes in
// order. Reading waits while all slots are busy, so memory stays bounded however fast the source
// is. The first failure cancels the parts still in flight and waits for them to settle, so the
// caller's AbortMultipartUpload comes after the last part request, not before it.
import { createHash } from "node:crypto";
import { UploadPartCommand } from "@aws-sdk/client-s3";
import type { CompletedPart } from "@aws-sdk/client-s3";
import { abortable } from "../abortable.ts";
import { StorageError } from "../storage-error.ts";
import type { PartBuffers } from "./part-buffers.ts";
import type { S3Context } from "./s3-context.ts";

export interface PartsJob {
  key: string;
  uploadId: string;
  partSize: number;
  /** Parts already read from the source (the store reads two to tell small bodies apart). */
  head: Uint8Array[];
  rest: AsyncIterator<Uint8Array>;
  signal?: AbortSignal;
  onProgress?: (uploadedBytes: number) => void;
  /** Where each stored part's buffer goes back for the next part to be read into. */
  buffers?: PartBuffers;
}

export interface UploadedParts {
  parts: CompletedPart[];
  size: number;
  sha256: string;
}

/** Uploads every part of the job; rejects with the first failure after all requests have settled. */
export async function uploadParts(ctx: S3Context, job: PartsJob): Promise<UploadedParts> {
  const hash = createHash("sha256");
  const cancel = new AbortController();
  const signal = job.signal ? AbortSignal.any([job.signal, cancel.signal]) : cancel.signal;
  const completed: CompletedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let partNumber = 0;
  let size = 0;
  let uploaded = 0;

  const start = (data: Uint8Array): void => {
    partNumber += 1;
    if (partNumber > ctx.tuning.maxParts) throw tooManyParts(ctx, job, size + data.length);
    hash.update(data);
    size += data.length;
    const n = partNumber;
    const task = uploadPart(ctx, job, n, data, signal).then(
      (etag) => {
        completed.push({ PartNumber: n, ETag: etag });
        uploaded += data.length;
        job.buffers?.give(data);
        job.onProgress?.(uploaded);
      },
      (err: unknown) => {
        failure ??= { err };
        cancel.abort();
      },
    );
    inflight.add(task);
    void task.then(() => inflight.delete(task));
  };

  const head = [...job.head];
  try {
    while (!failure) {
      const next = head.length > 0 ? { done: false as const, value: head.shift()! } : await abortable(job.rest.next(), signal);
      if (next.done) break;
      start(next.value);
      while (inflight.size >= ctx.tuning.partConcurrency && !failure) await Promise.race(inflight);
    }
  } catch (err) {
    // the source failed, or too many parts, or the signal aborted while waiting for the source
    failure ??= { err };
  } finally {
    if (failure) cancel.abort();
    await Promise.all(inflight); // the tasks never reject
  }
  if (failure) throw failure.err;
  completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
  return { parts: completed, size, sha256: hash.digest("hex") };
}

/** One UploadPart with retries; resolves to the part's ETag. */
async function uploadPart(ctx: S3Context, job: PartsJob, n: number, data: Uint8Array, signal: AbortSignal): Promise<string> {
  const out = await ctx.call(
    `UploadPart ${n} of "${job.key}"`,
    job.key,
    (s) =>
      ctx.client.send(
        new UploadPartCommand({
          Bucket: ctx.bucket,
          Key: job.key,
          UploadId: job.uploadId,
          PartNumber: n,
          Body: data,
          ContentLength: data.length,
        }),
        { abortSignal: s },
      ),
    signal,
  );
  if (!out.ETag) throw new StorageError("E_REQUEST", `${ctx.endpoint} answered UploadPart ${n} of "${job.key}" without an ETag`);
  return out.ETag;
}

function tooManyParts(ctx: S3Context, job: PartsJob, bytesSoFar: number): StorageError {
  return new StorageError(
    "E_TOO_MANY_PARTS",
    `"${job.key}" needs more than ${ctx.tuning.maxParts} parts of ${job.partSize} bytes (already ${bytesSoFar} bytes ` +
      `read); the upload was aborted — pass a larger expectedSize so a bigger part size is chosen`,
  );
}

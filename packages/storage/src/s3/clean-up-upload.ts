// What a failed put() does before it rejects: abort the multipart upload, delete the object if it
// may have been written, and turn whatever went wrong into one StorageError. Cleanup runs without
// the caller's AbortSignal, because an aborted put must still clean up.
import { AbortMultipartUploadCommand, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { StorageError, isStorageError } from "../storage-error.ts";
import type { S3Context } from "./s3-context.ts";

/**
 * Aborts the upload and deletes the object if it may have been written, without the caller's
 * signal (an aborted put must still clean up). Returns the error to reject with: `err`, with a
 * note appended when the cleanup failed too.
 */
export async function cleanUp(
  ctx: S3Context,
  key: string,
  err: StorageError,
  what: { uploadId?: string; objectMayExist: boolean },
): Promise<StorageError> {
  const failures: unknown[] = [];
  if (what.uploadId) {
    const uploadId = what.uploadId;
    await ctx
      .call(`AbortMultipartUpload "${key}"`, key, (s) =>
        ctx.client.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: key, UploadId: uploadId }), { abortSignal: s }),
      )
      // NoSuchUpload: it had completed after all (the object is then deleted below)
      .catch((e: unknown) => void (isStorageError(e, "E_NOT_FOUND") || failures.push(e)));
  }
  if (what.objectMayExist) {
    await ctx
      .call(`DeleteObject "${key}"`, key, (s) =>
        ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: s }),
      )
      .catch((e: unknown) => void failures.push(e));
  }
  if (failures.length === 0) return err;
  const wrapped = new StorageError(
    err.code,
    `${err.message.slice(err.code.length + 2)}; removing the unfinished upload of "${key}" also failed ` +
      `(${String(failures[0])}) — list() does not show it, but it uses space until the bucket's "abort incomplete ` +
      `multipart uploads" lifecycle rule or a delete() removes it`,
    { cause: err.cause },
  );
  wrapped.cleanupError = failures[0];
  return wrapped;
}

/** True when a failed write may still have taken effect (no definite refusal from the service). */
export function outcomeUnknown(err: StorageError): boolean {
  return ["E_NETWORK", "E_UNAVAILABLE", "E_ABORTED"].includes(err.code);
}

/** Every rejection of put() is a StorageError: an abort becomes E_ABORTED, a failing source E_SOURCE. */
export function asStorageError(ctx: S3Context, key: string, err: unknown, signal?: AbortSignal): StorageError {
  if (signal?.aborted) {
    return new StorageError("E_ABORTED", `the upload of "${key}" to ${ctx.endpoint} was cancelled; nothing was kept`, {
      cause: err,
    });
  }
  if (err instanceof StorageError) return err;
  return new StorageError(
    "E_SOURCE",
    `reading the data for "${key}" failed, so nothing was kept: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

// S3 fixes an object's metadata when the object is created, but a streamed upload only knows its
// size and SHA-256 at the end. So after CompleteMultipartUpload the object is copied onto itself
// with the metadata replaced. CopyObject stops at 5 GiB; bigger objects are copied in parts
// (UploadPartCopy) of the upload's own part size, which keeps R2's equal-parts rule.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import type { CompletedPart } from "@aws-sdk/client-s3";
import { StorageError } from "../storage-error.ts";
import type { S3Context } from "./s3-context.ts";

export interface StampJob {
  key: string;
  /** ETag of the completed upload: the copy must read exactly that object, not a replacement. */
  etag?: string;
  size: number;
  sha256: string;
  partSize: number;
  contentType: string;
  signal?: AbortSignal;
}

/** The metadata put() records on every object. */
export function objectMetadata(size: number, sha256: string): Record<string, string> {
  return { sha256, size: String(size) };
}

/** Replaces the object's metadata with its size and SHA-256, by CopyObject or, above the threshold, multipart copy. */
export async function stampMetadata(ctx: S3Context, job: StampJob): Promise<void> {
  if (job.size > ctx.tuning.copyPartThreshold) return copyInParts(ctx, job);
  await ctx.call(
    `CopyObject "${job.key}" onto itself (recording size and sha256)`,
    job.key,
    (s) =>
      ctx.client.send(
        new CopyObjectCommand({
          Bucket: ctx.bucket,
          Key: job.key,
          CopySource: copySource(ctx.bucket, job.key),
          CopySourceIfMatch: job.etag,
          MetadataDirective: "REPLACE",
          Metadata: objectMetadata(job.size, job.sha256),
          ContentType: job.contentType,
        }),
        { abortSignal: s },
      ),
    job.signal,
  );
}

/** Multipart copy of the object onto itself, `partConcurrency` parts at a time; aborts the copy upload on failure. */
async function copyInParts(ctx: S3Context, job: StampJob): Promise<void> {
  const created = await ctx.call(
    `CreateMultipartUpload "${job.key}" (metadata copy)`,
    job.key,
    (s) =>
      ctx.client.send(
        new CreateMultipartUploadCommand({
          Bucket: ctx.bucket,
          Key: job.key,
          Metadata: objectMetadata(job.size, job.sha256),
          ContentType: job.contentType,
        }),
        { abortSignal: s },
      ),
    job.signal,
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new StorageError("E_REQUEST", `${ctx.endpoint} created no upload id for the metadata copy of "${job.key}"`);

  try {
    const count = Math.ceil(job.size / job.partSize);
    const parts: CompletedPart[] = new Array(count);
    // the first failure stops the other workers, and the abort below waits until they have
    const cancel = new AbortController();
    const signal = job.signal ? AbortSignal.any([job.signal, cancel.signal]) : cancel.signal;
    let firstError: { err: unknown } | undefined;
    let next = 0;
    // a small pool: each worker takes the next part number until none are left
    const worker = async (): Promise<void> => {
      while (next < count && !firstError) {
        const index = next++;
        const first = index * job.partSize;
        const last = Math.min(first + job.partSize, job.size) - 1;
        const out = await ctx.call(
          `UploadPartCopy ${index + 1} of "${job.key}"`,
          job.key,
          (s) =>
            ctx.client.send(
              new UploadPartCopyCommand({
                Bucket: ctx.bucket,
                Key: job.key,
                UploadId: uploadId,
                PartNumber: index + 1,
                CopySource: copySource(ctx.bucket, job.key),
                CopySourceIfMatch: job.etag,
                CopySourceRange: `bytes=${first}-${last}`,
              }),
              { abortSignal: s },
            ),
          signal,
        );
        parts[index] = { PartNumber: index + 1, ETag: out.CopyPartResult?.ETag };
      }
    };
    const workers = Array.from({ length: Math.min(ctx.tuning.partConcurrency, count) }, () =>
      worker().catch((err: unknown) => {
        firstError ??= { err };
        cancel.abort();
      }),
    );
    await Promise.all(workers);
    if (firstError) throw firstError.err;
    await ctx.call(
      `CompleteMultipartUpload "${job.key}" (metadata copy)`,
      job.key,
      (s) =>
        ctx.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: ctx.bucket,
            Key: job.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
          { abortSignal: s },
        ),
      job.signal,
    );
  } catch (err) {
    // the original object is still in place; the caller deletes it
    await ctx
      .call(`AbortMultipartUpload "${job.key}" (metadata copy)`, job.key, (s) =>
        ctx.client.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: job.key, UploadId: uploadId }), {
          abortSignal: s,
        }),
      )
      .catch((abortErr: unknown) => {
        if (err instanceof StorageError) err.cleanupError ??= abortErr;
      });
    throw err;
  }
}

/**
 * The x-amz-copy-source value: bucket and URL-encoded key. ":" and "@" stay literal (RFC 3986
 * allows them in a path) because s3rver decodes the header with decodeURI, which leaves them
 * encoded, and backup keys carry timestamps with colons.
 */
export function copySource(bucket: string, key: string): string {
  const encoded = key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/%3A/g, ":").replace(/%40/g, "@"))
    .join("/");
  return `${bucket}/${encoded}`;
}

// put() on S3: a body that fits in one part goes up as a single PutObject with its metadata; a
// bigger one as a streamed multipart upload, then stamped with its metadata (stamp-metadata.ts)
// and checked with a HEAD. Any failure or abort removes what was written before rejecting, so a
// listing never shows an unfinished or unverified object.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { CompletedPart } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { abortable } from "../abortable.ts";
import { choosePartSize } from "../choose-part-size.ts";
import { StorageError, isStorageError } from "../storage-error.ts";
import type { PutOptions, PutResult } from "../types.ts";
import { asStorageError, cleanUp, outcomeUnknown } from "./clean-up-upload.ts";
import { PartBuffers } from "./part-buffers.ts";
import { readParts } from "./read-parts.ts";
import type { S3Context } from "./s3-context.ts";
import { objectMetadata, stampMetadata } from "./stamp-metadata.ts";
import { uploadParts } from "./upload-parts.ts";
import { headRaw, verifyStored } from "./verify-stored.ts";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** Uploads `body` under `key` and verifies it; on failure removes every trace of it, then rejects. */
export async function putObject(ctx: S3Context, key: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<PutResult> {
  const partSize = ctx.tuning.partSize ?? choosePartSize(opts.expectedSize);
  // Enough buffers for the parts in flight and the one being read; each comes back once stored.
  const buffers = new PartBuffers(partSize, ctx.tuning.partConcurrency + 1);
  const parts = readParts(body, partSize, opts.release, buffers);
  try {
    // Up to two parts are read first: a body that ends within one part needs no multipart upload.
    let first: IteratorResult<Uint8Array>;
    let second: IteratorResult<Uint8Array> | undefined;
    try {
      opts.signal?.throwIfAborted();
      first = await abortable(parts.next(), opts.signal);
      if (!first.done && first.value.length === partSize) second = await abortable(parts.next(), opts.signal);
    } catch (err) {
      throw asStorageError(ctx, key, err, opts.signal);
    }
    if (first.done) return await putSingle(ctx, key, new Uint8Array(0), opts);
    if (!second || second.done) return await putSingle(ctx, key, first.value, opts);
    return await putMultipart(ctx, key, partSize, [first.value, second.value], parts, buffers, opts);
  } finally {
    // closes the source if we stopped early; not awaited, since a stalled source may never settle
    parts.return(undefined).catch(() => {});
  }
}

/** One PutObject carrying the metadata, then the HEAD check. */
async function putSingle(ctx: S3Context, key: string, data: Uint8Array, opts: PutOptions): Promise<PutResult> {
  const sha256 = createHash("sha256").update(data).digest("hex");
  const size = data.length;
  let written = false;
  try {
    await ctx.call(
      `PutObject "${key}"`,
      key,
      (s) =>
        ctx.client.send(
          new PutObjectCommand({
            Bucket: ctx.bucket,
            Key: key,
            Body: data,
            ContentLength: size,
            ContentType: opts.contentType ?? DEFAULT_CONTENT_TYPE,
            Metadata: objectMetadata(size, sha256),
          }),
          { abortSignal: s },
        ),
      opts.signal,
    );
    written = true;
    await verifyStored(ctx, key, size, sha256, opts.signal);
  } catch (err) {
    const failure = asStorageError(ctx, key, err, opts.signal);
    throw await cleanUp(ctx, key, failure, { objectMayExist: written || outcomeUnknown(failure) });
  }
  opts.onProgress?.(size);
  return { key, size, sha256 };
}

/** CreateMultipartUpload, parts, Complete, metadata stamp, HEAD check. */
async function putMultipart(
  ctx: S3Context,
  key: string,
  partSize: number,
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
  buffers: PartBuffers,
  opts: PutOptions,
): Promise<PutResult> {
  const contentType = opts.contentType ?? DEFAULT_CONTENT_TYPE;
  const created = await ctx
    .call(
      `CreateMultipartUpload "${key}"`,
      key,
      (s) =>
        ctx.client.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: key, ContentType: contentType }), {
          abortSignal: s,
        }),
      opts.signal,
    )
    .catch((err: unknown) => {
      throw asStorageError(ctx, key, err, opts.signal);
    });
  const uploadId = created.UploadId;
  if (!uploadId) throw new StorageError("E_REQUEST", `${ctx.endpoint} created no upload id for "${key}"`);

  let stage: "parts" | "completing" | "completed" = "parts";
  try {
    const uploaded = await uploadParts(ctx, { key, uploadId, partSize, head, rest, signal: opts.signal, onProgress: opts.onProgress, buffers });
    stage = "completing";
    const etag = await completeUpload(ctx, key, uploadId, uploaded.parts, uploaded.size, opts.signal);
    stage = "completed";
    await stampMetadata(ctx, { key, etag, size: uploaded.size, sha256: uploaded.sha256, partSize, contentType, signal: opts.signal });
    await verifyStored(ctx, key, uploaded.size, uploaded.sha256, opts.signal);
    return { key, size: uploaded.size, sha256: uploaded.sha256 };
  } catch (err) {
    const failure = asStorageError(ctx, key, err, opts.signal);
    const objectMayExist = stage === "completed" || (stage === "completing" && outcomeUnknown(failure));
    throw await cleanUp(ctx, key, failure, { uploadId, objectMayExist });
  }
}

/** CompleteMultipartUpload; a retry whose first attempt did complete (answer lost) is recognised by a HEAD. */
async function completeUpload(
  ctx: S3Context,
  key: string,
  uploadId: string,
  parts: CompletedPart[],
  size: number,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  let attempts = 0;
  try {
    const out = await ctx.call(
      `CompleteMultipartUpload "${key}"`,
      key,
      (s) => {
        attempts += 1;
        return ctx.client.send(
          new CompleteMultipartUploadCommand({ Bucket: ctx.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
          { abortSignal: s },
        );
      },
      signal,
    );
    return out.ETag;
  } catch (err) {
    if (attempts > 1 && isStorageError(err, "E_NOT_FOUND")) {
      const stored = await headRaw(ctx, key, signal);
      if (stored?.ContentLength === size) return stored.ETag;
    }
    throw err;
  }
}

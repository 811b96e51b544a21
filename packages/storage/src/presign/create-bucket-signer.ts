// The bucket signer: everything the control plane does to a region's bucket with the platform's
// credentials in managed mode. One S3 client serves every bucket of the region; each call binds
// the bucket into an S3Context so requests get the store's retries and StorageError messages.
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { StorageError, isStorageError } from "../storage-error.ts";
import { createS3Client, endpointOf, requireRegion } from "../s3/create-s3-client.ts";
import { ensureBucket } from "../s3/ensure-bucket.ts";
import { bindS3Context } from "../s3/s3-context.ts";
import type { S3Context } from "../s3/s3-context.ts";
import { DEFAULT_S3_TUNING } from "../s3/s3-tuning.ts";
import type { S3Tuning } from "../s3/s3-tuning.ts";
import { headRaw } from "../s3/verify-stored.ts";
import { validateKey, validatePrefix } from "../validate-key.ts";
import type { BucketSigner, BucketSignerConfig } from "./bucket-signer.ts";
import { completeUpload } from "./complete-upload.ts";
import { attachmentDisposition } from "./content-disposition.ts";
import { validateBucket, validateExpiry, validatePartNumber, validateUploadId } from "./validate-presign.ts";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** The control plane's signer for managed-mode uploads, exports and purges. */
export function createBucketSigner(cfg: BucketSignerConfig): BucketSigner {
  return createBucketSignerWithTuning(cfg, {});
}

/** createBucketSigner() with timings overridden; for tests, which shrink delays and list pages. */
export function createBucketSignerWithTuning(cfg: BucketSignerConfig, tuning: Partial<S3Tuning>): BucketSigner {
  requireRegion(cfg, "the bucket signer");
  const effective: S3Tuning = { ...DEFAULT_S3_TUNING, ...tuning };
  const client = createS3Client(cfg, effective);
  const endpoint = endpointOf(cfg);
  const at = (bucket: string): S3Context => {
    validateBucket(bucket);
    return bindS3Context(client, bucket, endpoint, effective);
  };
  const bucketsSeen = new Set<string>();

  return {
    async createMultipartUpload(bucket, key, opts = {}) {
      const ctx = at(bucket);
      validateKey(key);
      const out = await ctx.call(`CreateMultipartUpload "${key}"`, key, (s) =>
        ctx.client.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: opts.contentType ?? DEFAULT_CONTENT_TYPE }),
          { abortSignal: s },
        ),
      );
      if (!out.UploadId) throw new StorageError("E_REQUEST", `${endpoint} created no upload id for "${key}" in bucket "${bucket}"`);
      return out.UploadId;
    },

    async presignUploadParts(bucket, key, uploadId, partNumbers, expiresInSeconds) {
      const ctx = at(bucket);
      validateKey(key);
      validateUploadId(uploadId);
      validateExpiry(expiresInSeconds);
      partNumbers.forEach(validatePartNumber);
      // Signing is local (no request); only the host header is signed, so any HTTP client can PUT
      // the bytes with nothing but a Content-Length.
      return Promise.all(
        partNumbers.map(async (number) => ({
          number,
          url: await getSignedUrl(ctx.client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number }), {
            expiresIn: expiresInSeconds,
          }),
        })),
      );
    },

    async completeMultipartUpload(bucket, key, uploadId, parts) {
      const ctx = at(bucket);
      validateKey(key);
      validateUploadId(uploadId);
      return completeUpload(ctx, key, uploadId, parts);
    },

    async abortMultipartUpload(bucket, key, uploadId) {
      const ctx = at(bucket);
      validateKey(key);
      validateUploadId(uploadId);
      try {
        await ctx.call(`AbortMultipartUpload "${key}"`, key, (s) =>
          ctx.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), { abortSignal: s }),
        );
      } catch (err) {
        // NoSuchUpload: aborted or completed already; either way nothing is left to abort
        if (!isStorageError(err, "E_NOT_FOUND")) throw err;
      }
    },

    async headObject(bucket, key) {
      const ctx = at(bucket);
      validateAnyKey(key);
      const out = await headRaw(ctx, key);
      if (out) return { size: out.ContentLength ?? 0, etag: out.ETag, metadata: out.Metadata ?? {} };
      if (!bucketsSeen.has(bucket)) {
        await ensureBucket(ctx);
        bucketsSeen.add(bucket);
      }
      return undefined;
    },

    async presignGetObject(bucket, key, expiresInSeconds, opts = {}) {
      const ctx = at(bucket);
      validateKey(key);
      validateExpiry(expiresInSeconds);
      if (opts.downloadName !== undefined && opts.downloadName === "") {
        throw new StorageError("E_BAD_ARGUMENT", "downloadName must not be empty (omit it for no Content-Disposition)");
      }
      const disposition = opts.downloadName === undefined ? undefined : attachmentDisposition(opts.downloadName);
      return getSignedUrl(ctx.client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }), {
        expiresIn: expiresInSeconds,
      });
    },

    async deleteObject(bucket, key) {
      const ctx = at(bucket);
      validateAnyKey(key);
      try {
        await ctx.call(`DeleteObject "${key}"`, key, (s) =>
          ctx.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: s }),
        );
      } catch (err) {
        // S3 answers 204 for a missing key; some compatible servers answer NoSuchKey
        if (!isStorageError(err, "E_NOT_FOUND")) throw err;
      }
    },

    listKeys(bucket, prefix) {
      const ctx = at(bucket);
      if (prefix === "") {
        throw new StorageError(
          "E_BAD_ARGUMENT",
          `listKeys needs a non-empty prefix: listing all of bucket "${bucket}" is refused so that a purge with an ` +
            `empty customer id cannot reach every customer's backups`,
        );
      }
      validatePrefix(prefix);
      return listKeys(ctx, prefix);
    },
  };
}

/** Every key under `prefix`, one ListObjectsV2 page at a time. */
async function* listKeys(ctx: S3Context, prefix: string): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListObjectsV2 "${prefix}"`, undefined, (s) =>
      ctx.client.send(
        new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: ctx.tuning.listPageSize }),
        { abortSignal: s },
      ),
    );
    for (const item of page.Contents ?? []) if (item.Key !== undefined) yield item.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * HEAD and DELETE accept any key a listing can return, including ones this product would not
 * write (uploaded by hand, say), so that a purge can remove whatever it finds.
 */
function validateAnyKey(key: string): void {
  if (typeof key !== "string" || key === "") throw new StorageError("E_BAD_KEY", "an object key is required");
}

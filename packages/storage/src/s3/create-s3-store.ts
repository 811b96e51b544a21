// The S3/R2 backup store. put() and get() live in their own files; listing, HEAD and delete are
// short enough to stay here.
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { isStorageError } from "../storage-error.ts";
import type { BackupStore, ObjectInfo, StoredObject } from "../types.ts";
import { validateKey, validatePrefix } from "../validate-key.ts";
import { ensureBucket } from "./ensure-bucket.ts";
import { getObject } from "./get-object.ts";
import { putObject } from "./put-object.ts";
import { createS3Context } from "./s3-context.ts";
import type { S3Context, S3StoreConfig } from "./s3-context.ts";
import { DEFAULT_S3_TUNING } from "./s3-tuning.ts";
import type { S3Tuning } from "./s3-tuning.ts";

/** A backup store in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, the local server). */
export function createS3Store(cfg: S3StoreConfig): BackupStore {
  return createS3StoreWithTuning(cfg, {});
}

/** createS3Store() with limits and timings overridden; for tests, which shrink parts and delays. */
export function createS3StoreWithTuning(cfg: S3StoreConfig, tuning: Partial<S3Tuning>): BackupStore {
  const ctx = createS3Context(cfg, { ...DEFAULT_S3_TUNING, ...tuning });
  let bucketSeen = false;
  const ensureBucketOnce = async (): Promise<void> => {
    if (bucketSeen) return;
    await ensureBucket(ctx);
    bucketSeen = true;
  };

  return {
    description: `s3://${ctx.bucket}/ at ${ctx.endpoint}`,
    async put(key, body, opts) {
      validateKey(key);
      return putObject(ctx, key, body, opts);
    },
    async list(prefix) {
      validatePrefix(prefix);
      return listAll(ctx, prefix);
    },
    async head(key) {
      validateKey(key);
      try {
        const out = await ctx.call(`HeadObject "${key}"`, key, (s) =>
          ctx.client.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: s }),
        );
        const metadata = out.Metadata ?? {};
        const info: ObjectInfo = {
          key,
          size: out.ContentLength ?? 0,
          lastModified: out.LastModified ?? new Date(0),
          metadata,
        };
        if (metadata.sha256) info.sha256 = metadata.sha256;
        return info;
      } catch (err) {
        if (!isStorageError(err, "E_NOT_FOUND")) throw err;
        await ensureBucketOnce();
        return null;
      }
    },
    async get(key, opts) {
      validateKey(key);
      return getObject(ctx, key, opts);
    },
    async delete(key) {
      validateKey(key);
      try {
        await ctx.call(`DeleteObject "${key}"`, key, (s) =>
          ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: s }),
        );
      } catch (err) {
        // S3 answers 204 for a missing key; some compatible servers answer NoSuchKey
        if (!isStorageError(err, "E_NOT_FOUND")) throw err;
      }
    },
  };
}

/** Every page of ListObjectsV2 under `prefix`, sorted by key. */
async function listAll(ctx: S3Context, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.call(`ListObjectsV2 "${prefix}"`, undefined, (s) =>
      ctx.client.send(
        new ListObjectsV2Command({
          Bucket: ctx.bucket,
          Prefix: prefix === "" ? undefined : prefix,
          ContinuationToken: token,
          MaxKeys: ctx.tuning.listPageSize,
        }),
        { abortSignal: s },
      ),
    );
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      objects.push({ key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // S3 sorts by UTF-8 bytes; comparing as strings agrees for the keys this product writes
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

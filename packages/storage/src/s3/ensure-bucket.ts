// A 404 to HEAD has no body, so a missing bucket looks like a missing object. Callers that get a
// 404 from HeadObject ask HeadBucket once to tell the two apart.
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { StorageError, isStorageError } from "../storage-error.ts";
import type { S3Context } from "./s3-context.ts";

/** Resolves when the context's bucket exists; rejects with E_NO_BUCKET when HeadBucket finds none. */
export async function ensureBucket(ctx: S3Context): Promise<void> {
  try {
    await ctx.call(`HeadBucket "${ctx.bucket}"`, undefined, (s) =>
      ctx.client.send(new HeadBucketCommand({ Bucket: ctx.bucket }), { abortSignal: s }),
    );
  } catch (err) {
    if (!isStorageError(err, "E_NOT_FOUND")) throw err;
    throw new StorageError(
      "E_NO_BUCKET",
      `bucket "${ctx.bucket}" does not exist at ${ctx.endpoint} — create it or correct the bucket name`,
      { cause: err },
    );
  }
}

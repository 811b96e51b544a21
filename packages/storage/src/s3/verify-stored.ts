// The last step of every put(): a HEAD proving the object is there with the size that was sent and
// the metadata that names it. Anything less is treated as a failed upload.
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { StorageError, isStorageError } from "../storage-error.ts";
import type { S3Context } from "./s3-context.ts";

/** HEAD after writing: the size must match what was sent and the metadata must name it. */
export async function verifyStored(ctx: S3Context, key: string, size: number, sha256: string, signal?: AbortSignal): Promise<void> {
  const stored = await headRaw(ctx, key, signal);
  if (stored?.ContentLength !== size) {
    throw new StorageError(
      "E_SIZE_MISMATCH",
      `"${key}" is ${stored?.ContentLength ?? "missing"} bytes at ${ctx.endpoint} after uploading ${size} bytes; ` +
        `the object was removed — run the backup again, and report it if it repeats`,
    );
  }
  if (stored.Metadata?.sha256 !== sha256 || stored.Metadata?.size !== String(size)) {
    throw new StorageError(
      "E_METADATA_MISMATCH",
      `"${key}" at ${ctx.endpoint} did not keep its sha256/size metadata; the object was removed — check that the ` +
        `service supports CopyObject with MetadataDirective REPLACE`,
    );
  }
}

/** HeadObject, or undefined when there is no such object. */
export async function headRaw(ctx: S3Context, key: string, signal?: AbortSignal): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await ctx.call(
      `HeadObject "${key}"`,
      key,
      (s) => ctx.client.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: s }),
      signal,
    );
  } catch (err) {
    if (isStorageError(err, "E_NOT_FOUND")) return undefined;
    throw err;
  }
}


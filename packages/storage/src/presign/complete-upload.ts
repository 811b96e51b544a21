// CompleteMultipartUpload on the agent's report. The report is checked first (parts 1..n, no gaps,
// each with an ETag), so a confused agent is refused with a sentence instead of an object with a
// hole; the service's own refusals get codes the control plane can branch on before it aborts.
import { CompleteMultipartUploadCommand } from "@aws-sdk/client-s3";
import { MAX_PARTS } from "../choose-part-size.ts";
import { StorageError } from "../storage-error.ts";
import type { S3Context } from "../s3/s3-context.ts";
import { headRaw } from "../s3/verify-stored.ts";
import type { UploadedPart } from "./bucket-signer.ts";

/** Completes the upload; a retry whose first attempt did complete (answer lost) is recognised by a HEAD. */
export async function completeUpload(ctx: S3Context, key: string, uploadId: string, parts: UploadedPart[]): Promise<{ etag?: string }> {
  const ordered = checkNumbering(key, parts);
  let attempts = 0;
  try {
    const out = await ctx.call(`CompleteMultipartUpload "${key}"`, key, (s) => {
      attempts += 1;
      return ctx.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: ctx.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: ordered.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
        }),
        { abortSignal: s },
      );
    });
    return { etag: out.ETag };
  } catch (err) {
    // Keys name one snapshot each, so an object found here is this upload's; the caller's size
    // check (HEAD) still guards against anything else.
    if (attempts > 1 && serviceErrorName(err) === "NoSuchUpload") {
      const stored = await headRaw(ctx, key);
      if (stored) return { etag: stored.ETag };
    }
    throw completeFailure(ctx, key, uploadId, err);
  }
}

/** The parts sorted by number; throws E_INVALID_PART unless they are numbered 1..n with ETags. */
function checkNumbering(key: string, parts: UploadedPart[]): UploadedPart[] {
  const refuse = (why: string): StorageError =>
    new StorageError("E_INVALID_PART", `the parts reported for "${key}" cannot be completed: ${why} — abort the upload and take the backup again`);
  if (!Array.isArray(parts) || parts.length === 0) throw refuse("no parts were reported");
  if (parts.length > MAX_PARTS) throw refuse(`${parts.length} parts were reported, more than the ${MAX_PARTS} allowed`);
  for (const p of parts) {
    if (!Number.isInteger(p.number) || p.number < 1 || p.number > MAX_PARTS) {
      throw refuse(`part number ${p.number} is not a whole number from 1 to ${MAX_PARTS}`);
    }
    if (typeof p.etag !== "string" || p.etag === "") throw refuse(`part ${p.number} has no ETag`);
  }
  const ordered = [...parts].sort((a, b) => a.number - b.number);
  for (let i = 0; i < ordered.length; i++) {
    const n = ordered[i]!.number;
    if (n === i) throw refuse(`part ${n} is reported twice`);
    if (n !== i + 1) throw refuse(`part ${i + 1} is missing (parts must be numbered 1..${ordered.length} without gaps)`);
  }
  return ordered;
}

/** The S3 error name behind a failed call (ctx.call() keeps the SDK's error as the cause). */
function serviceErrorName(err: unknown): string | undefined {
  const inner = err instanceof StorageError ? err.cause : err;
  return (inner as { name?: string } | undefined)?.name;
}

function completeFailure(ctx: S3Context, key: string, uploadId: string, err: unknown): unknown {
  const name = serviceErrorName(err);
  const upload = `upload ${uploadId} of "${key}" in bucket "${ctx.bucket}"`;
  if (name === "InvalidPart" || name === "InvalidPartOrder") {
    return new StorageError(
      "E_INVALID_PART",
      `${ctx.endpoint} refused to complete ${upload} (${name}): a reported part was never uploaded or its ETag ` +
        `differs from the stored one — the agent's report does not match the upload; abort it and take the backup again`,
      { cause: err },
    );
  }
  if (name === "EntityTooSmall") {
    return new StorageError(
      "E_PART_TOO_SMALL",
      `${ctx.endpoint} refused to complete ${upload} (EntityTooSmall): a part other than the last is smaller than ` +
        `the service's minimum (5 MiB on S3 and R2) — choose the part size with choosePartSize(); abort the upload`,
      { cause: err },
    );
  }
  if (name === "NoSuchUpload") {
    return new StorageError(
      "E_NO_UPLOAD",
      `${upload} no longer exists at ${ctx.endpoint} (NoSuchUpload): it was aborted, completed already, or removed ` +
        `by the bucket's lifecycle rule — take the backup again`,
      { cause: err },
    );
  }
  return err;
}

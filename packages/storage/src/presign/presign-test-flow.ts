// The managed-mode flow as the tests drive it: the signer plays the control plane, uploadToPresignedParts
// the agent, and getUrls() the request between them. Not a *.test.ts file: the test files import it.
import type { BucketSigner } from "./bucket-signer.ts";
import type { GetPartUrls } from "./part-urls.ts";
import { uploadToPresignedParts } from "./upload-to-presigned-parts.ts";
import type { PresignedUploadOptions, PresignedUploadResult } from "./upload-to-presigned-parts.ts";

/** from, from+1, …, from+count-1 */
export function partNumbers(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

export interface UrlRequests {
  /** Every getUrls(fromPart, count) call, in order. */
  calls: [number, number][];
}

/** getUrls() answered by the signer, as the control plane would; records each call in `log`. */
export function signerUrls(
  signer: BucketSigner,
  target: { bucket: string; key: string; uploadId: string },
  log: UrlRequests = { calls: [] },
  expiresIn: (from: number, count: number) => number = () => 60,
): GetPartUrls {
  return (from, count) => {
    log.calls.push([from, count]);
    return signer.presignUploadParts(target.bucket, target.key, target.uploadId, partNumbers(from, count), expiresIn(from, count));
  };
}

/** Creates the upload, lets the agent upload `source` through pre-signed URLs; does not complete. */
export async function agentUpload(
  signer: BucketSigner,
  bucket: string,
  key: string,
  options: Omit<PresignedUploadOptions, "getUrls"> & { log?: UrlRequests },
): Promise<{ uploadId: string; result: PresignedUploadResult }> {
  const uploadId = await signer.createMultipartUpload(bucket, key);
  const result = await uploadToPresignedParts({ ...options, getUrls: signerUrls(signer, { bucket, key, uploadId }, options.log) });
  return { uploadId, result };
}

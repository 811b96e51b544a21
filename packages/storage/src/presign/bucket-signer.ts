// The control plane's side of managed-mode uploads. The agent on a customer VM holds no bucket
// credentials: the control plane creates the multipart upload, hands out pre-signed UploadPart URLs
// for that one object, completes (or aborts) the upload and checks the result with a HEAD.
import type { S3ClientConfig } from "../s3/create-s3-client.ts";

/** Platform credentials for one region's bucket(s); the endpoint is R2's (or the local server's). */
export type BucketSignerConfig = S3ClientConfig;

/** A pre-signed UploadPart URL: a plain PUT of the part's bytes with a Content-Length. */
export interface PresignedPart {
  number: number;
  url: string;
}

/** A part as the agent reports it after uploading: its number and the ETag the service answered. */
export interface UploadedPart {
  number: number;
  etag: string;
}

export interface ObjectHead {
  size: number;
  etag?: string;
  metadata: Record<string, string>;
}

export interface BucketSigner {
  /** Starts a multipart upload of `key`; resolves to its upload id. */
  createMultipartUpload(bucket: string, key: string, opts?: { contentType?: string }): Promise<string>;
  /** Pre-signed PUT URLs for the given part numbers (1..10,000), valid for 1 s..7 days. */
  presignUploadParts(
    bucket: string,
    key: string,
    uploadId: string,
    partNumbers: number[],
    expiresInSeconds: number,
  ): Promise<PresignedPart[]>;
  /** Assembles the object from parts numbered 1..n without gaps; resolves to the object's ETag if given. */
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: UploadedPart[]): Promise<{ etag?: string }>;
  /** Discards the upload and its parts; an upload already gone counts as aborted. */
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  /** Size, ETag and user metadata of the object, or undefined when there is none. */
  headObject(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** A pre-signed GET URL; with `downloadName`, browsers save the file under that name. */
  presignGetObject(bucket: string, key: string, expiresInSeconds: number, opts?: { downloadName?: string }): Promise<string>;
  /** Removes the object; deleting a missing object succeeds. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Every key under `prefix` (which must not be empty), page by page, in the service's order. */
  listKeys(bucket: string, prefix: string): AsyncIterable<string>;
}

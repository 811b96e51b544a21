// Backup stores: where encrypted snapshots are kept. Two implementations of one contract
// (BackupStore): S3-compatible buckets (R2 in production) and a plain directory (self-hosted NAS).
export type { BackupStore, GetOptions, ObjectInfo, PutOptions, PutResult, StoredObject } from "./types.ts";
export { StorageError, isStorageError } from "./storage-error.ts";
export type { StorageErrorCode } from "./storage-error.ts";
export { choosePartSize, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE, SIZE_HEADROOM } from "./choose-part-size.ts";
export { createS3Store } from "./s3/create-s3-store.ts";
export type { S3StoreConfig } from "./s3/s3-context.ts";
export type { S3ClientConfig } from "./s3/create-s3-client.ts";
export { createFsStore } from "./fs/create-fs-store.ts";
export { createSha256, hashStream } from "./hash/create-sha256.ts";
export type { HashedStream, Sha256 } from "./hash/create-sha256.ts";
// Managed mode: the control plane signs, the agent uploads with URLs only (docs/storage.md).
export { createBucketSigner } from "./presign/create-bucket-signer.ts";
export type { BucketSigner, BucketSignerConfig, ObjectHead, PresignedPart, UploadedPart } from "./presign/bucket-signer.ts";
export { uploadToPresignedParts } from "./presign/upload-to-presigned-parts.ts";
export type { PresignedUploadOptions, PresignedUploadResult } from "./presign/upload-to-presigned-parts.ts";
export { MAX_PRESIGN_SECONDS } from "./presign/validate-presign.ts";

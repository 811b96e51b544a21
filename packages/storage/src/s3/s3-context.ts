// What every S3 operation on one bucket shares: the client, the bucket, the tuning, and call(),
// the single place where a request gets its retries and its failure becomes a StorageError.
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../storage-error.ts";
import { createS3Client, endpointOf, requireRegion } from "./create-s3-client.ts";
import type { S3ClientConfig } from "./create-s3-client.ts";
import { isRetryable, toStorageError } from "./s3-errors.ts";
import type { S3Tuning } from "./s3-tuning.ts";
import { withRetry } from "./with-retry.ts";

export interface S3StoreConfig extends S3ClientConfig {
  bucket: string;
  /** Parts uploaded at once; default 4. Memory use is about (concurrency + 1) × part size. */
  partConcurrency?: number;
}

export interface S3Context {
  client: S3Client;
  bucket: string;
  /** The endpoint as shown in messages. */
  endpoint: string;
  tuning: S3Tuning;
  /** Runs one request with retries; `send` gets the signal to pass to the SDK. */
  call<T>(what: string, key: string | undefined, send: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** Validates the configuration and builds the client and the shared call() wrapper. */
export function createS3Context(cfg: S3StoreConfig, tuning: S3Tuning): S3Context {
  if (!cfg.bucket) throw new StorageError("E_BAD_ARGUMENT", "the S3 store needs a bucket name");
  requireRegion(cfg, `the S3 store for bucket "${cfg.bucket}"`);
  const concurrency = cfg.partConcurrency ?? tuning.partConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StorageError("E_BAD_ARGUMENT", `partConcurrency must be a whole number ≥ 1, got ${concurrency}`);
  }
  const effective = { ...tuning, partConcurrency: concurrency };
  return bindS3Context(createS3Client(cfg, effective), cfg.bucket, endpointOf(cfg), effective);
}

/** An S3Context for one bucket on an existing client (the bucket signer binds one per call). */
export function bindS3Context(client: S3Client, bucket: string, endpoint: string, tuning: S3Tuning): S3Context {
  return {
    client,
    bucket,
    endpoint,
    tuning,
    async call(what, key, send, signal) {
      let attempts = 0;
      try {
        return await withRetry(
          () => {
            attempts += 1;
            return send(signal);
          },
          tuning.retry,
          isRetryable,
          signal,
        );
      } catch (err) {
        throw toStorageError(err, { what, key, bucket, endpoint, attempts, signal });
      }
    },
  };
}

// What every S3 operation of one store shares: the client, the bucket, the tuning, and call(),
// the single place where a request gets its retries and its failure becomes a StorageError.
import { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../storage-error.ts";
import { isRetryable, toStorageError } from "./s3-errors.ts";
import type { S3Tuning } from "./s3-tuning.ts";
import { withRetry } from "./with-retry.ts";

export interface S3StoreConfig {
  /** Custom endpoint (R2, MinIO, the local server); AWS S3 of `region` when omitted. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Defaults to true with a custom endpoint (R2 and most S3-compatible servers want it). */
  forcePathStyle?: boolean;
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
  if (!cfg.region) throw new StorageError("E_BAD_ARGUMENT", `the S3 store for bucket "${cfg.bucket}" needs a region ("auto" for R2)`);
  const concurrency = cfg.partConcurrency ?? tuning.partConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StorageError("E_BAD_ARGUMENT", `partConcurrency must be a whole number ≥ 1, got ${concurrency}`);
  }
  const client = new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    forcePathStyle: cfg.forcePathStyle ?? cfg.endpoint !== undefined,
    // Without these the SDK sends streamed bodies aws-chunked with a CRC trailer, which several
    // S3-compatible servers store verbatim (chunk framing included).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // Retries are ours (per part, with jitter, see call()); the SDK's would multiply them.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: tuning.connectTimeoutMs, socketTimeout: tuning.socketTimeoutMs },
  });
  const endpoint = cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`;
  const effective = { ...tuning, partConcurrency: concurrency };

  return {
    client,
    bucket: cfg.bucket,
    endpoint,
    tuning: effective,
    async call(what, key, send, signal) {
      let attempts = 0;
      try {
        return await withRetry(
          () => {
            attempts += 1;
            return send(signal);
          },
          effective.retry,
          isRetryable,
          signal,
        );
      } catch (err) {
        throw toStorageError(err, { what, key, bucket: cfg.bucket, endpoint, attempts, signal });
      }
    },
  };
}

// Limits and timings of the S3 store. Production uses the defaults; tests shrink them (tiny parts,
// millisecond backoff) through createS3StoreWithTuning() to exercise the same code paths quickly.
import { MAX_PARTS } from "../choose-part-size.ts";
import type { RetryPolicy } from "./with-retry.ts";

export interface S3Tuning {
  /** Fixed part size instead of choosePartSize(expectedSize); tests only (s3rver has no 5 MiB minimum). */
  partSize?: number;
  maxParts: number;
  partConcurrency: number;
  /** Objects above this size get their metadata through a multipart copy (CopyObject stops at 5 GiB). */
  copyPartThreshold: number;
  retry: RetryPolicy;
  /** TCP connect timeout of one request. */
  connectTimeoutMs: number;
  /** A request fails when its socket has been idle this long (sending or receiving). */
  socketTimeoutMs: number;
  /** MaxKeys of one ListObjectsV2 page; the service default (1000) when undefined. */
  listPageSize?: number;
  /** How often one get() may resume after a dropped connection. */
  maxResumes: number;
}

export const DEFAULT_S3_TUNING: S3Tuning = {
  maxParts: MAX_PARTS,
  partConcurrency: 4,
  copyPartThreshold: 5 * 1024 ** 3,
  // 6 tries over roughly 3–6 seconds of waiting in total
  retry: { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 },
  connectTimeoutMs: 10_000,
  socketTimeoutMs: 60_000,
  maxResumes: 6,
};

// The one place an S3Client is built, shared by the backup store (one bucket, agent or self-hosted
// credentials) and the control plane's bucket signer (any bucket of a region, platform credentials).
import { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../storage-error.ts";
import type { S3Tuning } from "./s3-tuning.ts";

export interface S3ClientConfig {
  /** Custom endpoint (R2, MinIO, the local server); AWS S3 of `region` when omitted. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Defaults to true with a custom endpoint (R2 and most S3-compatible servers want it). */
  forcePathStyle?: boolean;
}

/** Builds the client: path style for custom endpoints, checksums only when required, no SDK retries. */
export function createS3Client(cfg: S3ClientConfig, tuning: Pick<S3Tuning, "connectTimeoutMs" | "socketTimeoutMs">): S3Client {
  return new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    forcePathStyle: cfg.forcePathStyle ?? cfg.endpoint !== undefined,
    // Without these the SDK sends streamed bodies aws-chunked with a CRC trailer, which several
    // S3-compatible servers store verbatim (chunk framing included); they also keep checksum
    // headers out of pre-signed URLs, which a plain PUT could not satisfy.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // Retries are ours (per request, with jitter, see S3Context.call()); the SDK's would multiply them.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: tuning.connectTimeoutMs, socketTimeout: tuning.socketTimeoutMs },
  });
}

/** The endpoint as shown in messages. */
export function endpointOf(cfg: S3ClientConfig): string {
  return cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`;
}

/** Throws E_BAD_ARGUMENT unless the region is set; `what` names the user of the config in the message. */
export function requireRegion(cfg: S3ClientConfig, what: string): void {
  if (!cfg.region) throw new StorageError("E_BAD_ARGUMENT", `${what} needs a region ("auto" for R2)`);
}

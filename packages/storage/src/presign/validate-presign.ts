// Argument checks of the bucket signer. Its callers pass on what agents report, so a bad value is
// refused here with a sentence rather than reaching the service as a confusing 400.
import { MAX_PARTS } from "../choose-part-size.ts";
import { StorageError } from "../storage-error.ts";

/** SigV4 refuses pre-signed URLs valid for longer than 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Throws E_BAD_ARGUMENT unless `bucket` is a non-empty name. */
export function validateBucket(bucket: string): void {
  if (typeof bucket !== "string" || bucket === "") throw new StorageError("E_BAD_ARGUMENT", "a bucket name is required");
}

/** Throws E_BAD_ARGUMENT unless `uploadId` is a non-empty string. */
export function validateUploadId(uploadId: string): void {
  if (typeof uploadId !== "string" || uploadId === "") throw new StorageError("E_BAD_ARGUMENT", "an upload id is required");
}

/** Throws E_BAD_ARGUMENT unless `n` is a whole number in 1..10,000. */
export function validatePartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw new StorageError("E_BAD_ARGUMENT", `part numbers are whole numbers from 1 to ${MAX_PARTS}, got ${n}`);
  }
}

/** Throws E_BAD_ARGUMENT unless `seconds` is a whole number of seconds from 1 to 7 days. */
export function validateExpiry(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new StorageError(
      "E_BAD_ARGUMENT",
      `a pre-signed URL is valid for 1 to ${MAX_PRESIGN_SECONDS} seconds (7 days), got ${seconds}`,
    );
  }
}

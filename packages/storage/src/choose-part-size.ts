// One part size per upload, chosen before the first byte is read. R2 requires every part but the
// last to have the same size, so the size cannot grow mid-upload when the data turns out bigger
// than estimated; the headroom absorbs that, and E_TOO_MANY_PARTS catches what it cannot.
import { StorageError } from "./storage-error.ts";

export const MIB = 1024 * 1024;
/** S3 and R2 refuse more parts than this in one upload. */
export const MAX_PARTS = 10_000;
/** S3's minimum is 5 MiB; 8 MiB keeps request overhead low for small backups. */
export const MIN_PART_SIZE = 8 * MIB;
/** S3's and R2's maximum part size. */
export const MAX_PART_SIZE = 5 * 1024 * MIB;
/** The data may come out this much bigger than `expectedSize` and still fit in MAX_PARTS parts. */
export const SIZE_HEADROOM = 1.2;

/** Part size in whole MiB (at least 8 MiB) so that expectedBytes × 1.2 fits in 10,000 parts. */
export function choosePartSize(expectedBytes: number): number {
  if (!Number.isFinite(expectedBytes) || expectedBytes < 0) {
    throw new StorageError("E_BAD_ARGUMENT", `expectedSize must be a number of bytes ≥ 0, got ${expectedBytes}`);
  }
  const needed = Math.ceil((expectedBytes * SIZE_HEADROOM) / MAX_PARTS / MIB) * MIB;
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, needed));
}

import { WebSnapshotError } from "./web-snapshot-error.ts";

/** E_COMPRESSED_CORRUPT: the payload authenticated, so the writer produced it this way; redownloading will not help. */
export function compressedCorrupt(kind: "zstd" | "gzip", detail: string, cause?: unknown): WebSnapshotError {
  return new WebSnapshotError(
    "E_COMPRESSED_CORRUPT",
    `the snapshot decrypted correctly but its contents are not valid ${kind} data (${detail}) — ` +
      "it was written this way, so downloading it again will not help; try `nacre-agent decrypt` and contact support",
    cause === undefined ? {} : { cause },
  );
}

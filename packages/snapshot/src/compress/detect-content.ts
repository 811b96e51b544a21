/** What a backup object's first bytes say it is. */
export type DetectedContent = "snapshot" | "zstd" | "gzip" | "unknown";

const SNAPSHOT_MAGIC = Buffer.from("NACRESNP", "latin1");
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Tells an encrypted snapshot from an unencrypted zstd or gzip tar by its magic bytes. */
export function detectContent(head: Uint8Array): DetectedContent {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) return "snapshot";
  if (b.subarray(0, 4).equals(ZSTD_MAGIC)) return "zstd";
  if (b.subarray(0, 2).equals(GZIP_MAGIC)) return "gzip";
  return "unknown";
}

import type { Readable } from "node:stream";
import type { ArchiveOptions, ArchiveRoot } from "../archive/index.ts";
import { createArchiveSource } from "../archive/create-archive-source.ts";
import { compressSource, type Compression, type FrameCompressor } from "../compress/index.ts";
import { createEncryptStream, type ContentType, type EncryptionKey } from "../format/index.ts";
import { chainStreams } from "./chain-streams.ts";

export interface SnapshotStreamOptions extends ArchiveOptions {
  roots: ArchiveRoot[];
  compression: Compression;
  /** null writes an unencrypted compressed tar (self-hosted `encryption.enabled: false`). */
  encryption: EncryptionKey | null;
}

/** The snapshot's bytes; `recycle` takes back a chunk the consumer is done with (see EncryptStream). */
export type SnapshotStream = Readable & { recycle(chunk: Uint8Array): void };

/** The whole write path as one byte stream: roots → pax tar → compressed frames → encrypted records. */
export async function createSnapshotStream(opts: SnapshotStreamOptions): Promise<SnapshotStream> {
  const { roots, compression, encryption, ...archiveOptions } = opts;
  // Key derivation (PBKDF2) runs before the first file is opened, so a bad key setup costs no I/O.
  // Each compressed part goes back to the compressor once sealed, so its memory holds the next frames.
  // (The compressor is made after the keys, so the encryptor reaches it through this holder.)
  const compressor: { stream?: FrameCompressor } = {};
  const releaseInput = (part: Buffer) => compressor.stream?.release(part);
  const encrypt = encryption ? await createEncryptStream({ key: encryption, contentType: contentTypeOf(compression) }, { releaseInput }) : null;
  // The compressor pulls the tar straight into its own reused blocks (no per-chunk buffers).
  const compressed = compressSource(createArchiveSource(roots, archiveOptions), compression);
  compressor.stream = compressed;
  // An error in any stage destroys them all, so a failure anywhere fails the whole stream.
  if (!encrypt) return Object.assign(compressed, { recycle: compressed.release.bind(compressed) });
  // The encrypting stage is the last one, so what the consumer reads (and hands back) is its batches.
  const recycle = encrypt.recycle.bind(encrypt);
  return Object.assign(chainStreams(compressed, encrypt), { recycle });
}

/** The header's content type for a compression choice. */
export function contentTypeOf(compression: Compression): ContentType {
  return compression === "zstd" ? "tar+zstd" : "tar+gzip";
}

import type { Readable } from "node:stream";
import type { ArchiveOptions, ArchiveRoot } from "../archive/index.ts";
import { createArchiveSource } from "../archive/create-archive-source.ts";
import { compressSource, type Compression } from "../compress/index.ts";
import { createEncryptStream, type ContentType, type EncryptionKey, type EncryptStream } from "../format/index.ts";
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
  // The compressor pulls the tar straight into its own reused blocks (no per-chunk buffers).
  const compressed = compressSource(createArchiveSource(roots, archiveOptions), compression);
  if (!encryption) return Object.assign(compressed, { recycle: compressed.release.bind(compressed) });
  // The archive starts while the keys are derived (PBKDF2 on the thread pool): its first reads, and a
  // database's consistent copy if one comes early (~0.25 s for a 177 MB database), overlap the
  // derivation instead of following it. The compressor stops at its high-water mark until the
  // encryptor takes its output.
  // Key setup errors (no passphrase, an unreadable key file) come earlier, from whoever built
  // `encryption`, before any file is opened.
  // Until the chain below exists nothing else listens to the compressor: an archive error meanwhile (a
  // missing root, say) would be an unhandled 'error' event and end the process. It is left on the
  // destroyed compressor instead, and the chain hands it to the reader like any other failure.
  const parkError = (): void => undefined;
  compressed.on("error", parkError);
  compressed.read(0);
  let encrypt: EncryptStream;
  try {
    // Each compressed part goes back to the compressor once sealed, so its memory holds the next frames.
    encrypt = await createEncryptStream({ key: encryption, contentType: contentTypeOf(compression) }, { releaseInput: (part) => compressed.release(part) });
  } catch (error) {
    compressed.destroy();
    throw error;
  }
  // An error in any stage destroys them all, so a failure anywhere fails the whole stream. The
  // encrypting stage is the last one, so what the consumer reads (and hands back) is its batches.
  const chained = chainStreams(compressed, encrypt);
  compressed.off("error", parkError);
  return Object.assign(chained, { recycle: encrypt.recycle.bind(encrypt) });
}

/** The header's content type for a compression choice. */
export function contentTypeOf(compression: Compression): ContentType {
  return compression === "zstd" ? "tar+zstd" : "tar+gzip";
}

import { Readable, type Transform } from "node:stream";
import { createDecompressStages, detectContent, type Compression } from "../compress/index.ts";
import { ZstdFrameDecompressor } from "../compress/zstd-frame-decompressor.ts";
import { chainStreams } from "./chain-streams.ts";
import { createDecryptStream, parseHeader, SnapshotFormatError, type DecryptionKey, type SnapshotHeader } from "../format/index.ts";

export interface OpenSnapshotOptions {
  /** Needed for encrypted snapshots; unencrypted ones are recognised by their compression magic. */
  key?: DecryptionKey | (() => Promise<DecryptionKey>);
  onHeader?: (header: SnapshotHeader) => void;
}

export interface OpenedSnapshot {
  encrypted: boolean;
  compression: Compression;
  header: SnapshotHeader | null;
  /** The plain tar stream. Every chunk it yields has been authenticated; its end is the file's end. */
  tar: Readable;
  /**
   * Hands a chunk of `tar` back once the reader is done with its bytes (written or copied), so the
   * decompressor may write later output into its memory. Optional for a reader; anything else is ignored.
   */
  recycle(chunk: Uint8Array): void;
}

/** The read path: snapshot bytes → verified plaintext → decompressed tar, recognising what the file is. */
export async function openSnapshotStream(source: AsyncIterable<Uint8Array>, opts: OpenSnapshotOptions = {}): Promise<OpenedSnapshot> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  const pull = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    head.push(chunk);
    headBytes += chunk.length;
    return true;
  };

  // Peek just enough to tell what the file is, and for snapshots to read the whole header.
  while (headBytes < 8 && (await pull()));
  const kind = detectContent(Buffer.concat(head));
  if (kind === "unknown") {
    if (ended && headBytes < 8) throw new SnapshotFormatError("E_TRUNCATED", "the backup is empty or cut short — it cannot be restored");
    throw new SnapshotFormatError("E_NOT_A_SNAPSHOT", "this file is not a Nacre snapshot nor a zstd/gzip tar — check that you picked the right backup file");
  }

  let header: SnapshotHeader | null = null;
  if (kind === "snapshot") {
    for (;;) {
      try {
        header = parseHeader(Buffer.concat(head));
        break;
      } catch (err) {
        if (!(err instanceof SnapshotFormatError) || err.code !== "E_TRUNCATED" || !(await pull())) throw err;
      }
    }
  }

  const rest = Readable.from(replay(head, iterator), { objectMode: false });
  if (kind !== "snapshot") {
    const stages = createDecompressStages(kind);
    return { encrypted: false, compression: kind, header: null, tar: chainStreams(rest, ...stages), recycle: recyclerOf(stages) };
  }

  if (!opts.key) throw new SnapshotFormatError("E_KEY_REQUIRED", "this backup is encrypted — configure backup.encryption (passphrase or keyFile) to read it");
  const key = typeof opts.key === "function" ? await opts.key() : opts.key;
  const compression: Compression = header!.contentType === "tar+zstd" ? "zstd" : "gzip";
  const decrypt = createDecryptStream({ key, onHeader: opts.onHeader });
  const stages = createDecompressStages(compression);
  return { encrypted: true, compression, header, tar: chainStreams(rest, decrypt, ...stages), recycle: recyclerOf(stages) };
}

function recyclerOf(stages: Transform[]): (chunk: Uint8Array) => void {
  const last = stages.at(-1);
  return last instanceof ZstdFrameDecompressor ? (chunk) => last.recycle(chunk) : () => undefined;
}

// Closing the replay early (a failed restore tears the pipeline down) closes the source too, so the
// download stops and its file or connection is released now rather than at garbage collection.
async function* replay(head: Buffer[], iterator: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}

// Emits one prepared entry as tar bytes: header blocks, then file data in CHUNK-sized reads, each chunk a
// fresh buffer handed to the stream (once pushed, a chunk belongs to the consumer, which may still hold it
// while we read the next, so buffers are not recycled). A file that changes size while read still yields
// exactly the size its header announced, zero-padded or cut, with a W_CHANGED warning: the archive must
// stay valid whatever the app does. SQLite databases are swapped for a consistent copy here.
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { padToBlock } from "./encode-tar-header.ts";
import { FIRST_CHUNK, readFirstChunk, readFully } from "./prepare-entry.ts";
import type { PreparedEntry, PreparedFile } from "./prepare-entry.ts";
import { SQLITE_MAGIC } from "./sqlite-staging.ts";
import type { SqliteStaging } from "./sqlite-staging.ts";
import type { ArchiveWarning } from "./types.ts";

/** Data bytes per read after the first chunk: large enough that syscall cost vanishes, small enough to bound memory. */
export const CHUNK = 1024 * 1024;

export interface EmitContext {
  staging: SqliteStaging;
  /** Archive paths of databases captured as copies, whose -wal/-shm/-journal siblings are left out. */
  captured: Set<string>;
  warn: (w: ArchiveWarning) => void;
  /** Called with each batch of file data bytes read, and with fileDone when a file is complete. */
  progress: (bytes: number, fileDone: boolean) => void;
}

const SIBLING = /-(wal|shm|journal)$/;

/** Yields the tar bytes of one prepared entry; throws for error items. */
export async function* emitEntry(entry: PreparedEntry, ctx: EmitContext): AsyncGenerator<Buffer> {
  if (entry.kind === "error") throw entry.error;
  if (entry.kind === "warning") {
    ctx.warn(entry.warning);
    return;
  }
  if (entry.kind === "header") {
    yield entry.bytes;
    return;
  }
  try {
    const path = entry.header.path;
    const sibling = SIBLING.exec(path);
    if (sibling && ctx.captured.has(path.slice(0, sibling.index))) return;
    if (entry.dataRead >= SQLITE_MAGIC.length && isSqlite(entry)) {
      const capture = await ctx.staging.capture(entry.absPath, entry.header.size);
      if (capture.kind === "copy") {
        try {
          yield* emitCopy(entry, capture.copyPath, ctx);
        } finally {
          await capture.release();
        }
        ctx.captured.add(path);
        return;
      }
      if (capture.kind === "vanished") {
        ctx.warn({ code: "W_VANISHED", path: entry.absPath, message: `${entry.absPath} disappeared while the backup ran; skipped` });
        return;
      }
      ctx.warn({ code: "W_SQLITE_RAW", path: entry.absPath, message: `${entry.absPath} starts like a SQLite database but ${capture.reason}; archived its raw bytes` });
    }
    yield* emitFileData(entry, ctx);
  } finally {
    await entry.fh?.close();
  }
}

// Detected by content, not by name: apps name their databases .db, .sqlite, .bin or nothing at all.
function isSqlite(entry: PreparedFile): boolean {
  return entry.data.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

async function* emitFileData(entry: PreparedFile, ctx: EmitContext): AsyncGenerator<Buffer> {
  const size = entry.header.size;
  let changed = entry.changed;
  // After a short read the file ended early: the rest of the announced size is zeros, read no more.
  let ended = entry.dataRead < Math.min(size, FIRST_CHUNK);
  ctx.progress(entry.dataRead, false);
  yield entry.headerBytes;
  if (entry.data.length > 0) yield entry.data;
  let position = Math.min(size, FIRST_CHUNK);
  while (position < size) {
    const want = Math.min(CHUNK, size - position);
    const last = position + want === size;
    const buf = Buffer.allocUnsafe(padToBlock(want) + (last ? 1 : 0));
    let got = 0;
    if (!ended && entry.fh) {
      got = await readFully(entry.fh, buf, 0, want, position, last);
      if (got < want) ended = true;
      if (got !== want) changed = true;
    }
    const data = Math.min(got, want);
    buf.fill(0, data);
    ctx.progress(data, false);
    position += want;
    yield buf.subarray(0, padToBlock(want));
  }
  if (changed) {
    ctx.warn({ code: "W_CHANGED", path: entry.absPath, message: `${entry.absPath} changed size while it was archived; stored its first ${size} bytes (zero-padded if it shrank), the next backup will have it whole` });
  }
  ctx.progress(0, true);
}

// Streams the consistent copy under the original's name, mode, owner and mtime.
async function* emitCopy(original: PreparedFile, copyPath: string, ctx: EmitContext): AsyncGenerator<Buffer> {
  const fh: FileHandle = await open(copyPath, "r");
  try {
    const header = { ...original.header, size: Number((await fh.stat()).size) };
    const first = await readFirstChunk(fh, header);
    yield* emitFileData({ kind: "file", absPath: `${original.absPath} (consistent copy ${basename(copyPath)})`, fh, header, ...first }, ctx);
  } finally {
    await fh.close();
  }
}

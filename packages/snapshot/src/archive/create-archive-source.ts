// The writer as a pull source: roots → walk → open and stat → header and data read straight into the
// buffer the reader provides → one pax tar byte sequence. Nothing happens until the reader asks, so a slow
// reader (compression, upload) simply pauses the walk, and however large the tree only the reader's buffer
// and a few carried-over header bytes are held. Nothing of the archive is ever written to disk.
// All file I/O is synchronous on this thread (see file-reader.ts), done in slices of at most SLICE_MS
// after which the writer yields to the event loop, so timers, sockets and the compressor's completions
// keep being served during a long archive.
import { closeSync, fstatSync } from "node:fs";
import { ArchiveError, abortedError } from "./archive-error.ts";
import { createExcludeMatcher } from "./create-exclude-matcher.ts";
import { createSlicer } from "./create-slicer.ts";
import type { Slicer } from "./create-slicer.ts";
import { emitFile, rawWarning } from "./emit-entry.ts";
import type { EmitContext } from "./emit-entry.ts";
import { endOfArchive } from "./encode-tar-header.ts";
import { openFile } from "./file-reader.ts";
import type { FileStat } from "./file-reader.ts";
import { loadOwnerNames } from "./owner-names.ts";
import type { OwnerNames } from "./owner-names.ts";
import { prepareEntry } from "./prepare-entry.ts";
import type { PreparedFile } from "./prepare-entry.ts";
import { createSqliteStaging } from "./sqlite-staging.ts";
import type { HeldDatabase, SqliteCapture, SqliteStaging } from "./sqlite-staging.ts";
import { TarOutput } from "./tar-output.ts";
import type { ArchiveOptions, ArchiveRoot } from "./types.ts";
import { validateRoots } from "./validate-roots.ts";
import { walkRoots } from "./walk-roots.ts";
import type { WalkItem } from "./walk-roots.ts";

/** Longest stretch of synchronous work before the writer lets the event loop turn. */
const SLICE_MS = 2;

const SIBLING = /-(wal|shm|journal)$/;

/** The archive of some roots, read by filling buffers the reader provides (and may reuse). */
export interface ArchiveSource {
  /**
   * Fills `buf` (not empty) with the next archive bytes and resolves how many it wrote: all of it, except
   * at the end of the archive (then 0 on every later call). The bytes are the reader's; the writer never
   * touches `buf` once this settles. Calls must not overlap.
   */
  read(buf: Buffer): Promise<number>;
  /** Stops the archive early: closes its files and removes its SQLite copies. Safe at any time. */
  close(): Promise<void>;
}

/** The roots as a source of pax tar bytes, each under its top-level name; throws E_ROOT_INVALID at once. */
export function createArchiveSource(roots: ArchiveRoot[], opts: ArchiveOptions = {}): ArchiveSource {
  const out = new TarOutput();
  const writer = writeArchive(validateRoots(roots), opts, out);
  let finished = false;
  let closed = false;
  let failure: { error: unknown } | undefined;
  let reading = false;
  return {
    async read(buf) {
      if (failure) throw failure.error;
      if (closed) return 0;
      if (reading) throw new Error("ArchiveSource.read called while a read was still pending");
      // An empty buffer would come back with 0 bytes, which means the end of the archive.
      if (buf.length === 0) throw new RangeError("ArchiveSource.read needs a buffer of at least one byte");
      reading = true;
      out.provide(buf);
      try {
        while (!out.full && !finished) {
          if ((await writer.next()).done) finished = true;
        }
      } catch (error) {
        failure = { error };
        finished = true;
        throw error;
      } finally {
        reading = false;
      }
      return out.take();
    },
    async close() {
      closed = true;
      finished = true;
      await writer.return(undefined);
    },
  };
}

// Writes the whole archive into `out`, pausing (yielding) whenever the reader's buffer is full.
async function* writeArchive(roots: ArchiveRoot[], opts: ArchiveOptions, out: TarOutput): AsyncGenerator<void> {
  const unreadable = opts.unreadable ?? "error";
  const staging = createSqliteStaging(opts.tempDir);
  let files = 0;
  let bytes = 0;
  const ctx: EmitContext = {
    warn: (w) => opts.onWarning?.(w),
    progress: (read, fileDone) => {
      bytes += read;
      if (fileDone) files++;
      opts.onProgress?.({ files, bytes });
    },
  };
  // Archive paths of databases captured (held or copied), whose -wal/-shm/-journal siblings are left out (a
  // name sorts before every longer name it starts, so a database is always met before its siblings).
  const captured = new Set<string>();
  // A database held still (sqlite-staging.ts) is archived where it is met. One that must be copied is
  // pending: its copy is made while the entries after it stream (the page copy and its sync take ~0.25 s
  // for a 177 MB database, the compressor idle meanwhile).
  // Its entry, and its siblings', are written when the next database is met or the walk ends, a point
  // that does not depend on timing, so the same tree always gives the same order; entry order means
  // nothing to a tar reader. One at a time, as the staging area holds one copy.
  let pending: PendingDatabase | undefined;
  const slice = createSlicer(SLICE_MS);

  async function* emitItem(item: WalkItem, owners: OwnerNames): AsyncGenerator<void> {
    const entry = prepareEntry(item, { owners, unreadable });
    if (entry.kind === "error") throw entry.error;
    if (entry.kind === "warning") ctx.warn(entry.warning);
    else if (entry.kind === "header") out.write(entry.bytes);
    else {
      let deferred = false;
      try {
        const run = emitFile(entry, out, ctx, true);
        let step = run.next();
        for (; !step.done; step = run.next()) yield* pause(out, slice);
        if (step.value === "sqlite") {
          const held = staging.hold(entry.absPath, entry.fd);
          if (held) {
            yield* emitHeld(entry, held, out, ctx, slice);
            captured.add(entry.header.path);
          } else {
            if (pending) yield* emitPending(owners);
            pending = startCapture(entry, staging);
            deferred = true;
          }
        }
      } finally {
        if (!deferred) closeSync(entry.fd);
      }
    }
  }

  async function* emitPending(owners: OwnerNames): AsyncGenerator<void> {
    const database = pending as PendingDatabase;
    pending = undefined;
    try {
      if (yield* emitDatabase(database.entry, await database.capture, out, ctx, slice)) captured.add(database.entry.header.path);
    } finally {
      closeSync(database.entry.fd);
    }
    for (const sibling of database.siblings) {
      if (!captured.has(database.entry.header.path)) yield* emitItem(sibling, owners);
    }
  }

  try {
    const owners = await loadOwnerNames();
    const walker = walkRoots(roots, { matcher: createExcludeMatcher(opts.exclude), unreadable, skipDir: (abs) => abs === staging.dir });
    for (const item of walker) {
      if (opts.signal?.aborted) throw abortedError(opts.signal, "the archive");
      if (staging.failure) throw staging.failure;
      if (item.kind === "file") {
        const sibling = SIBLING.exec(item.archivePath);
        if (sibling) {
          const database = item.archivePath.slice(0, sibling.index);
          if (pending?.entry.header.path === database) {
            // Whether it is left out depends on how the database ends up archived.
            pending.siblings.push(item);
            continue;
          }
          if (captured.has(database)) continue;
        }
      }
      yield* emitItem(item, owners);
      if (out.full) yield* pause(out, slice);
      if (slice.due()) await slice.rest();
    }
    if (pending) yield* emitPending(owners);
    // Every database's integrity verdict is in before the archive can end.
    await staging.settle();
    out.write(endOfArchive());
    // What did not fit is handed out by the following reads.
    while (!out.drained) yield;
  } finally {
    // Runs on success, error and close alike, so SQLite copies and their checks are gone before the
    // reader sees the end or the failure. A copy still being made is let finish first.
    if (pending) {
      await pending.capture.catch(() => undefined);
      closeSync(pending.entry.fd);
      pending = undefined;
    }
    await staging.dispose();
  }
}

/** A database met in the walk whose consistent copy is still being made; its file stays open. */
interface PendingDatabase {
  entry: PreparedFile;
  capture: Promise<SqliteCapture>;
  /** Its -wal/-shm/-journal files met meanwhile, archived after it only if it is archived raw. */
  siblings: WalkItem[];
}

function startCapture(entry: PreparedFile, staging: SqliteStaging): PendingDatabase {
  const database: PendingDatabase = { entry, capture: staging.capture(entry.absPath), siblings: [] };
  // A failure is thrown where the entry is written; until then it must not count as unhandled.
  database.capture.catch(() => undefined);
  return database;
}

// Hands the full buffer to the reader, then lets the event loop turn if the slice is used up.
async function* pause(out: TarOutput, slice: Slicer): AsyncGenerator<void> {
  while (out.full) yield;
  if (slice.due()) await slice.rest();
}

// Archives a database held still by a read transaction: its own bytes, at the size its file has now that
// it cannot change (a checkpoint may have changed it since it was opened).
async function* emitHeld(file: PreparedFile, held: HeldDatabase, out: TarOutput, ctx: EmitContext, slice: Slicer): AsyncGenerator<void> {
  try {
    const header = { ...file.header, size: fstatSync(file.fd).size };
    const run = emitFile({ ...file, header }, out, ctx, false);
    while (!run.next().done) yield* pause(out, slice);
  } finally {
    held.archived();
  }
}

// Archives a consistent copy of a live database under the original's name, mode, owner and mtime, or the
// original's raw bytes when SQLite cannot read it. Returns whether a copy was archived.
async function* emitDatabase(original: PreparedFile, capture: SqliteCapture, out: TarOutput, ctx: EmitContext, slice: Slicer): AsyncGenerator<void, boolean> {
  if (capture.kind === "vanished") {
    ctx.warn({ code: "W_VANISHED", path: original.absPath, message: `${original.absPath} disappeared while the backup ran; skipped` });
    return false;
  }
  if (capture.kind === "raw") {
    ctx.warn(rawWarning(original.absPath, capture.reason));
    const run = emitFile(original, out, ctx, false);
    while (!run.next().done) yield* pause(out, slice);
    return false;
  }
  try {
    const copy = openCopy(original.absPath, capture.copyPath);
    try {
      const header = { ...original.header, size: copy.stat.size };
      const run = emitFile({ kind: "file", absPath: `${original.absPath} (consistent copy)`, fd: copy.fd, header }, out, ctx, false);
      while (!run.next().done) yield* pause(out, slice);
    } finally {
      closeSync(copy.fd);
    }
  } finally {
    capture.archived();
  }
  return true;
}

function openCopy(dbPath: string, copyPath: string): { fd: number; stat: FileStat } {
  let opened;
  try {
    opened = openFile(copyPath, false);
  } catch (err) {
    throw new ArchiveError("E_SQLITE_CAPTURE", `cannot open the staged copy of ${dbPath}: ${String(err)}; check that nothing else cleans the temporary directory`, { path: dbPath, cause: err });
  }
  if (opened.kind !== "file") throw new ArchiveError("E_SQLITE_CAPTURE", `the staged copy of ${dbPath} is no longer a file; check that nothing else uses the temporary directory`, { path: dbPath });
  return opened;
}

// Turns a walked item into what the emitter needs: the header of a directory or symlink, or for a file its
// header and first FIRST_CHUNK data bytes (read by the file-reader thread), plus an open handle when more
// remains. The writer runs several of these ahead of the one being emitted, because on trees of many
// small files per-file syscall latency, not bandwidth, is the limit. Opening happens here, after listing,
// so a file that vanished in between is reported (W_VANISHED) and skipped instead of corrupting the stream.
import { constants } from "node:fs";
import { lstat, open, readlink, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import { encodeTarHeader, padToBlock } from "./encode-tar-header.ts";
import type { TarHeaderInput } from "./encode-tar-header.ts";
import type { FileReader, FirstStat } from "./file-reader.ts";
import type { OwnerNames } from "./owner-names.ts";
import { unreadableItem } from "./walk-roots.ts";
import type { WalkItem } from "./walk-roots.ts";

/** Data bytes read ahead per prepared file; bounds the lookahead's memory to depth × this. */
export const FIRST_CHUNK = 256 * 1024;

export type PreparedEntry =
  | Extract<WalkItem, { kind: "warning" | "error" }>
  | { kind: "header"; bytes: Buffer }
  | PreparedFile;

export interface PreparedFile {
  kind: "file";
  absPath: string;
  /** Open while data remains to be read after `data`; a file that fit in `data` is already closed. */
  fh: FileHandle | undefined;
  header: TarHeaderInput;
  headerBytes: Buffer;
  /** The first data bytes, zero-padded to the block when the file ends within them. */
  data: Buffer;
  /** Bytes of `data` that came from the file (fewer than announced if it shrank). */
  dataRead: number;
  /** The file was shorter or longer than its announced size. */
  changed: boolean;
}

export interface PrepareContext {
  owners: OwnerNames;
  unreadable: "error" | "warn";
  reader: FileReader;
}

/** Prepares one walked item; failures of that one entry come back as warning or error items, in order. */
export async function prepareEntry(item: WalkItem, ctx: PrepareContext): Promise<PreparedEntry> {
  if (item.kind === "warning" || item.kind === "error") return item;
  try {
    if (item.kind === "file") return await prepareFile(item.absPath, item.archivePath, item.isRoot, ctx);
    const st = await (item.isRoot ? stat : lstat)(item.absPath, { bigint: true });
    if (item.kind === "dir") {
      if (!st.isDirectory()) return vanished(item.absPath, "is no longer a directory");
      return { kind: "header", bytes: encodeTarHeader(headerFor(item.archivePath, "dir", statFields(st), 0, ctx)) };
    }
    if (!st.isSymbolicLink()) return vanished(item.absPath, "is no longer a symlink");
    // Symlinks are stored as links and never followed: the target is data, whatever it points to.
    const linkpath = await readlink(item.absPath);
    return { kind: "header", bytes: encodeTarHeader({ ...headerFor(item.archivePath, "symlink", statFields(st), 0, ctx), linkpath }) };
  } catch (err) {
    return failure(item.absPath, err, ctx);
  }
}

async function prepareFile(absPath: string, archivePath: string, isRoot: boolean, ctx: PrepareContext): Promise<PreparedEntry> {
  // O_NOFOLLOW: a file swapped for a symlink after listing must not be followed. O_NONBLOCK: one swapped
  // for a FIFO must not hang the backup (it has no effect on regular files).
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (isRoot ? 0 : constants.O_NOFOLLOW);
  const first = await ctx.reader.read(absPath, flags);
  if (first.kind === "error") return failure(absPath, Object.assign(new Error(first.message), { code: first.code }), ctx);
  if (first.kind === "not-file") return vanished(absPath, "is no longer a regular file");
  const header = headerFor(archivePath, "file", first.stat, first.stat.size, ctx);
  const want = Math.min(header.size, FIRST_CHUNK);
  const result: PreparedFile = {
    kind: "file",
    absPath,
    fh: undefined,
    header,
    headerBytes: encodeTarHeader(header),
    data: first.data.subarray(0, padToBlock(want)),
    dataRead: Math.min(first.got, want),
    changed: first.got !== want,
  };
  if (header.size <= FIRST_CHUNK) return result;
  // The rest of a large file is read here with a FileHandle; if the path now names another file, start
  // over from that handle so header and data describe the same file.
  const fh = await open(absPath, flags);
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return vanished(absPath, "is no longer a regular file");
    if (st.dev !== first.stat.dev || st.ino !== first.stat.ino) {
      const again = headerFor(archivePath, "file", statFields(st), Number(st.size), ctx);
      Object.assign(result, { header: again, ...(await readFirstChunk(fh, again)) });
    }
    result.fh = fh;
    return result;
  } finally {
    if (!result.fh) await fh.close();
  }
}

/** Reads a file's header and first data bytes through a FileHandle (used for SQLite copies). */
export async function readFirstChunk(fh: FileHandle, header: TarHeaderInput): Promise<Pick<PreparedFile, "headerBytes" | "data" | "dataRead" | "changed">> {
  const want = Math.min(header.size, FIRST_CHUNK);
  // When the whole file fits, one spare byte lets the same read notice that it grew.
  const last = want === header.size;
  const room = padToBlock(want) + (last ? 1 : 0);
  const chunk = encodeTarHeader(header, room);
  const dataOffset = chunk.length - room;
  const got = await readFully(fh, chunk, dataOffset, want, 0, last);
  const dataRead = Math.min(got, want);
  chunk.fill(0, dataOffset + dataRead);
  return { headerBytes: chunk.subarray(0, dataOffset), data: chunk.subarray(dataOffset, dataOffset + padToBlock(want)), dataRead, changed: got !== want };
}

/**
 * Reads up to `want` bytes at `position` into buf at `offset`, stopping early only at end of file. With
 * `probe`, one byte more is asked for in the same read, so a file that grew is noticed without an extra
 * syscall; the result is then want + 1.
 */
export async function readFully(fh: FileHandle, buf: Buffer, offset: number, want: number, position: number, probe: boolean): Promise<number> {
  const limit = want + (probe ? 1 : 0);
  let got = 0;
  while (got < want || (got === 0 && limit > 0)) {
    const { bytesRead } = await fh.read(buf, offset + got, limit - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function statFields(st: BigIntStats): FirstStat {
  return { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), size: Number(st.size), mtimeNs: st.mtimeNs, dev: st.dev, ino: st.ino };
}

function headerFor(path: string, type: TarHeaderInput["type"], st: FirstStat, size: number, ctx: PrepareContext): TarHeaderInput {
  return { path, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, uname: ctx.owners.user(st.uid), gname: ctx.owners.group(st.gid), size, mtimeNs: st.mtimeNs };
}

function vanished(path: string, what: string): PreparedEntry {
  return { kind: "warning", warning: { code: "W_VANISHED", path, message: `${path} ${what} since it was listed; skipped` } };
}

function failure(path: string, err: unknown, ctx: PrepareContext): PreparedEntry {
  const code = errnoOf(err);
  // ELOOP: O_NOFOLLOW met a symlink where the listing saw a file.
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return vanished(path, "disappeared");
  if (code === "EACCES" || code === "EPERM") return unreadableItem(path, "file", ctx, err) as PreparedEntry;
  return { kind: "error", error: new ArchiveError("E_ARCHIVE_IO", `cannot read ${path}: ${String(err)}`, { path, cause: err }) };
}

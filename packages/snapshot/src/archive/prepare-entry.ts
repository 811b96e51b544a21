// Turns a walked item into what the emitter needs: the header of a directory or symlink, or for a file an
// open descriptor and the header from its fstat. Opening happens here, after listing, so a file that
// vanished in between is reported (W_VANISHED) and skipped instead of corrupting the stream, and the size a
// header announces is the size of the very file whose bytes follow.
import { lstatSync, readlinkSync, statSync } from "node:fs";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import { encodeTarHeader } from "./encode-tar-header.ts";
import type { TarHeaderInput } from "./encode-tar-header.ts";
import { openFile } from "./file-reader.ts";
import type { FileStat } from "./file-reader.ts";
import type { OwnerNames } from "./owner-names.ts";
import { unreadableItem } from "./walk-roots.ts";
import type { WalkItem } from "./walk-roots.ts";

export type PreparedEntry =
  | Extract<WalkItem, { kind: "warning" | "error" }>
  | { kind: "header"; bytes: Buffer }
  | PreparedFile;

export interface PreparedFile {
  kind: "file";
  absPath: string;
  /** Open for reading; the caller closes it. */
  fd: number;
  header: TarHeaderInput;
}

export interface PrepareContext {
  owners: OwnerNames;
  unreadable: "error" | "warn";
}

/** Prepares one walked item; failures of that one entry come back as warning or error items, in order. */
export function prepareEntry(item: WalkItem, ctx: PrepareContext): PreparedEntry {
  if (item.kind === "warning" || item.kind === "error") return item;
  try {
    if (item.kind === "file") {
      const opened = openFile(item.absPath, item.isRoot);
      if (opened.kind === "not-file") return vanished(item.absPath, "is no longer a regular file");
      return { kind: "file", absPath: item.absPath, fd: opened.fd, header: headerFor(item.archivePath, "file", opened.stat, opened.stat.size, ctx) };
    }
    const st = (item.isRoot ? statSync : lstatSync)(item.absPath, { bigint: true });
    const fields = { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), size: 0, mtimeNs: st.mtimeNs };
    if (item.kind === "dir") {
      if (!st.isDirectory()) return vanished(item.absPath, "is no longer a directory");
      return { kind: "header", bytes: encodeTarHeader(headerFor(item.archivePath, "dir", fields, 0, ctx)) };
    }
    if (!st.isSymbolicLink()) return vanished(item.absPath, "is no longer a symlink");
    // Symlinks are stored as links and never followed: the target is data, whatever it points to.
    const linkpath = readlinkSync(item.absPath);
    return { kind: "header", bytes: encodeTarHeader({ ...headerFor(item.archivePath, "symlink", fields, 0, ctx), linkpath }) };
  } catch (err) {
    return failure(item.absPath, err, ctx);
  }
}

/** The header of a file, directory or symlink from its stat; `size` is the data that will follow. */
export function headerFor(path: string, type: TarHeaderInput["type"], st: FileStat, size: number, ctx: { owners: OwnerNames }): TarHeaderInput {
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

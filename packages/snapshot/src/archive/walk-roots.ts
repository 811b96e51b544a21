// Walks the archive roots depth-first, each directory's children sorted by name bytes (like GNU tar's
// --sort=name; libuv happens to sort too, but the archive's order must not rest on that), so the same
// tree always gives the same archive. It lists directories but stats nothing else: the per-entry work
// happens in prepare-entry. It is synchronous, like the file reads (see file-reader.ts): a directory is
// listed when the walk enters it, and the consumer pulls one item at a time, so at most one listing per
// open directory is held. Problems with single entries are yielded in order as warnings or errors, never
// thrown, so the stream reports them at the position they occur.
import { readdirSync, statSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import type { Dirent } from "node:fs";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import type { ArchiveRoot, ArchiveWarning } from "./types.ts";
import type { ExcludeMatcher } from "./create-exclude-matcher.ts";

export type WalkItem =
  | { kind: "dir" | "file" | "symlink"; archivePath: string; absPath: string; isRoot: boolean }
  | { kind: "warning"; warning: ArchiveWarning }
  | { kind: "error"; error: ArchiveError };

export interface WalkOptions {
  matcher: ExcludeMatcher;
  unreadable: "error" | "warn";
  /** Directories never to enter, e.g. our own SQLite staging directory when it lies inside a root. */
  skipDir?: (absPath: string) => boolean;
}

type Listing = Array<Dirent<Buffer>> | WalkItem;

interface Frame {
  absDir: string;
  archiveDir: string;
  children: Array<Dirent<Buffer>>;
  /** Index of the next child to visit. */
  next: number;
}

/** Yields every entry of the roots in archive order; throws only for a root that is missing or invalid. */
export function* walkRoots(roots: readonly ArchiveRoot[], opts: WalkOptions): Generator<WalkItem> {
  for (const root of roots) {
    const kind = rootKind(root);
    if (opts.matcher.excludes(root.name, kind === "dir")) continue;
    if (kind === "file") {
      yield { kind: "file", archivePath: root.name, absPath: root.path, isRoot: true };
      continue;
    }
    const listed = listDir(root.path, opts);
    if (!Array.isArray(listed)) {
      yield listed;
      continue;
    }
    yield { kind: "dir", archivePath: root.name, absPath: root.path, isRoot: true };
    const stack: Frame[] = [{ absDir: root.path, archiveDir: root.name, children: listed, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      const dirent = frame.children[frame.next++];
      if (!dirent) {
        stack.pop();
        continue;
      }
      if (!isUtf8(dirent.name)) {
        // Shown with replacement characters: the real name has no faithful text form.
        yield warning("W_UNENCODABLE_NAME", `${frame.absDir}/${dirent.name.toString("utf8")}`,
          "its name is not valid UTF-8 and cannot be stored in a pax archive; rename it to include it");
        continue;
      }
      const name = dirent.name.toString("utf8");
      const absPath = `${frame.absDir}/${name}`;
      const archivePath = `${frame.archiveDir}/${name}`;
      const isDir = dirent.isDirectory();
      if (opts.matcher.excludes(archivePath, isDir)) continue;
      if (isDir) {
        if (opts.skipDir?.(absPath)) continue;
        const children = listDir(absPath, opts);
        if (!Array.isArray(children)) {
          yield children;
          continue;
        }
        yield { kind: "dir", archivePath, absPath, isRoot: false };
        stack.push({ absDir: absPath, archiveDir: archivePath, children, next: 0 });
      } else if (dirent.isFile()) {
        yield { kind: "file", archivePath, absPath, isRoot: false };
      } else if (dirent.isSymbolicLink()) {
        yield { kind: "symlink", archivePath, absPath, isRoot: false };
      } else {
        yield warning("W_SKIPPED_SPECIAL", absPath, `is a ${specialKind(dirent)}, which a backup cannot store; skipped`);
      }
    }
  }
}

function rootKind(root: ArchiveRoot): "dir" | "file" {
  let st;
  try {
    // stat, not lstat: a root given as a symlink is followed on purpose (e.g. /data -> /mnt/volume).
    st = statSync(root.path);
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ArchiveError("E_ROOT_MISSING", `backup root "${root.name}" (${root.path}) does not exist; check the configured path`, { path: root.path, cause: err });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new ArchiveError("E_UNREADABLE", `backup root "${root.name}" (${root.path}) cannot be read; run the agent as a user that can read it`, { path: root.path, cause: err });
    }
    throw new ArchiveError("E_ARCHIVE_IO", `cannot stat backup root ${root.path}: ${String(err)}`, { path: root.path, cause: err });
  }
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  throw new ArchiveError("E_ROOT_INVALID", `backup root ${root.path} is neither a directory nor a regular file; point it at a directory`, { path: root.path });
}

// A directory's sorted children, or the warning/error item that replaces it when it cannot be listed.
function listDir(absDir: string, opts: WalkOptions): Listing {
  try {
    const children = readdirSync(absDir, { withFileTypes: true, encoding: "buffer" });
    return children.sort((a, b) => compareBytes(a.name, b.name));
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ENOTDIR") return warning("W_VANISHED", absDir, "directory disappeared while the backup ran; skipped");
    if (code === "EACCES" || code === "EPERM") return unreadableItem(absDir, "directory", opts, err);
    return { kind: "error", error: new ArchiveError("E_ARCHIVE_IO", `cannot list ${absDir}: ${String(err)}`, { path: absDir, cause: err }) };
  }
}

// Byte order of two names, in plain JS: names are short, and Buffer.compare's call into C++ costs more
// than the comparison (readdir lists are usually sorted already, so this runs about once per entry).
function compareBytes(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The item for an unreadable file or directory: an E_UNREADABLE error, or a warning when asked to skip. */
export function unreadableItem(path: string, what: string, opts: { unreadable: "error" | "warn" }, cause: unknown): WalkItem {
  if (opts.unreadable === "warn") return warning("W_UNREADABLE", path, `${what} cannot be read (permission denied); skipped`);
  return {
    kind: "error",
    error: new ArchiveError("E_UNREADABLE", `${what} ${path} cannot be read (permission denied); fix its permissions or exclude it`, { path, cause }),
  };
}

function warning(code: ArchiveWarning["code"], path: string, message: string): WalkItem {
  return { kind: "warning", warning: { code, path, message: `${path} ${message}` } };
}

function specialKind(d: Dirent<Buffer>): string {
  if (d.isSocket()) return "socket";
  if (d.isFIFO()) return "FIFO";
  if (d.isBlockDevice()) return "block device";
  if (d.isCharacterDevice()) return "character device";
  return "special file";
}

// Walks the archive roots depth-first, each directory's children sorted by name bytes (like GNU tar's
// --sort=name; libuv happens to sort too, but the archive's order must not rest on that), so the same
// tree always gives the same archive. It lists directories but stats nothing else: the per-entry work
// happens in prepare-entry, concurrently and in order. The next subdirectories of each open directory are
// listed ahead, because on trees of many small directories one readdir at a time is the bottleneck.
// Problems with single entries are yielded in order as warnings or errors, never thrown, so the stream
// reports them at the position they occur.
import { readdir, stat } from "node:fs/promises";
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
  /** Index of the next child to consider for listing ahead. */
  scan: number;
  /** Listings started ahead, by child index; never rejected (listDir turns failures into items). */
  ahead: Map<number, Promise<Listing>>;
}

interface Walk {
  opts: WalkOptions;
  /** Entries held by listings made ahead and not visited yet: the memory listing ahead may use. */
  aheadEntries: number;
}

// Subdirectory listings in flight per open directory, and the entries they may hold in total (a few MiB
// of Dirents), so wide directories of huge subdirectories do not pile up in memory.
const LIST_AHEAD = 32;
const MAX_AHEAD_ENTRIES = 50_000;

/** Yields every entry of the roots in archive order; throws only for a root that is missing or invalid. */
export async function* walkRoots(roots: readonly ArchiveRoot[], opts: WalkOptions): AsyncGenerator<WalkItem> {
  const walk: Walk = { opts, aheadEntries: 0 };
  for (const root of roots) {
    const kind = await rootKind(root);
    if (opts.matcher.excludes(root.name, kind === "dir")) continue;
    if (kind === "file") {
      yield { kind: "file", archivePath: root.name, absPath: root.path, isRoot: true };
      continue;
    }
    const listed = await listDir(root.path, opts);
    if (!Array.isArray(listed)) {
      yield listed;
      continue;
    }
    yield { kind: "dir", archivePath: root.name, absPath: root.path, isRoot: true };
    const stack: Frame[] = [openFrame(root.path, root.name, listed, walk)];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      const index = frame.next++;
      const dirent = frame.children[index];
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
        const ahead = frame.ahead.get(index);
        frame.ahead.delete(index);
        const children = await (ahead ?? listDir(absPath, opts));
        if (ahead && Array.isArray(children)) walk.aheadEntries -= children.length;
        listAhead(frame, walk);
        if (!Array.isArray(children)) {
          yield children;
          continue;
        }
        yield { kind: "dir", archivePath, absPath, isRoot: false };
        stack.push(openFrame(absPath, archivePath, children, walk));
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

function openFrame(absDir: string, archiveDir: string, children: Array<Dirent<Buffer>>, walk: Walk): Frame {
  const frame: Frame = { absDir, archiveDir, children, next: 0, scan: 0, ahead: new Map() };
  listAhead(frame, walk);
  return frame;
}

// Starts listings of the next subdirectories to visit (same exclusion tests as the visit itself).
function listAhead(frame: Frame, walk: Walk): void {
  const { opts } = walk;
  while (frame.ahead.size < LIST_AHEAD && walk.aheadEntries < MAX_AHEAD_ENTRIES && frame.scan < frame.children.length) {
    const index = frame.scan++;
    const dirent = frame.children[index] as Dirent<Buffer>;
    if (!dirent.isDirectory() || !isUtf8(dirent.name)) continue;
    const name = dirent.name.toString("utf8");
    const absPath = `${frame.absDir}/${name}`;
    if (opts.matcher.excludes(`${frame.archiveDir}/${name}`, true) || opts.skipDir?.(absPath)) continue;
    frame.ahead.set(
      index,
      listDir(absPath, opts).then((listing) => {
        if (Array.isArray(listing)) walk.aheadEntries += listing.length;
        return listing;
      }),
    );
  }
}

async function rootKind(root: ArchiveRoot): Promise<"dir" | "file"> {
  // stat, not lstat: a root given as a symlink is followed on purpose (e.g. /data -> /mnt/volume).
  const st = await stat(root.path).catch((err: unknown) => {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ArchiveError("E_ROOT_MISSING", `backup root "${root.name}" (${root.path}) does not exist; check the configured path`, { path: root.path, cause: err });
    }
    if (code === "EACCES" || code === "EPERM") {
      throw new ArchiveError("E_UNREADABLE", `backup root "${root.name}" (${root.path}) cannot be read; run the agent as a user that can read it`, { path: root.path, cause: err });
    }
    throw new ArchiveError("E_ARCHIVE_IO", `cannot stat backup root ${root.path}: ${String(err)}`, { path: root.path, cause: err });
  });
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  throw new ArchiveError("E_ROOT_INVALID", `backup root ${root.path} is neither a directory nor a regular file; point it at a directory`, { path: root.path });
}

// A directory's sorted children, or the warning/error item that replaces it when it cannot be listed.
async function listDir(absDir: string, opts: WalkOptions): Promise<Listing> {
  try {
    const children = await readdir(absDir, { withFileTypes: true, encoding: "buffer" });
    return children.sort((a, b) => Buffer.compare(a.name, b.name));
  } catch (err) {
    const code = errnoOf(err);
    if (code === "ENOENT" || code === "ENOTDIR") return warning("W_VANISHED", absDir, "directory disappeared while the backup ran; skipped");
    if (code === "EACCES" || code === "EPERM") return unreadableItem(absDir, "directory", opts, err);
    return { kind: "error", error: new ArchiveError("E_ARCHIVE_IO", `cannot list ${absDir}: ${String(err)}`, { path: absDir, cause: err }) };
  }
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

// The on-disk side of an extraction into a fresh, empty directory. Nothing is ever written through a
// symlink: symlinks are only recorded while entries stream in and created at the very end, so during the
// extraction every path below the root consists of directories this class made itself (mkdir, and lstat
// when one already exists); files are opened O_CREAT|O_EXCL|O_NOFOLLOW, so an existing path is never
// reused. Directories stay 0700 until the end, then get their modes and mtimes deepest first (a parent
// made read-only or re-timed early would be changed again by writing its children).
import { constants } from "node:fs";
import { lstat, lutimes, mkdir, open, symlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import { checkLinkResolution, checkNoLinkAncestor } from "./entry-rules.ts";

// setuid/setgid files are not recreated: a backup's content must not become a privileged binary when
// root restores it. Directories keep setgid (group inheritance) and the sticky bit.
const FILE_MODE_MASK = 0o1777;
const DIR_MODE_MASK = 0o3777;
/** Files whose fsync + close may be in flight at once. */
const SYNC_AHEAD = 16;

interface Meta {
  mode: number;
  mtimeNs: bigint;
}

/** Tracks and creates what an extraction writes below one root directory. */
export class ExtractTree {
  readonly root: string;
  readonly #outsideLinks: "reject" | "keep";
  /** Directories made so far: explicit entries carry their metadata, implied parents null. */
  #dirs = new Map<string, Meta | null>();
  #links = new Map<string, string>();
  #linkTimes = new Map<string, bigint>();
  #syncing: Array<Promise<void>> = [];

  constructor(root: string, outsideLinks: "reject" | "keep") {
    this.root = root;
    this.#outsideLinks = outsideLinks;
  }

  /** Throws unless `path` can be a new entry: not below or at a symlink of this archive. */
  admit(path: string): void {
    checkNoLinkAncestor(path, this.#links);
    if (this.#links.has(path)) throw duplicate(path);
  }

  /** Creates a directory entry (again is fine: a later entry's metadata wins). */
  async addDir(path: string, meta: Meta): Promise<void> {
    await this.#ensureDir(path);
    this.#dirs.set(path, meta);
  }

  /** Creates a new file and returns its handle; the caller writes it and hands it back to finishFile. */
  async createFile(path: string): Promise<FileHandle> {
    if (this.#dirs.has(path)) throw duplicate(path);
    await this.#ensureDir(parentOf(path));
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    return open(this.#abs(path), flags, 0o600).catch((err: unknown) => {
      if (errnoOf(err) === "EEXIST") throw duplicate(path);
      throw ioError(path, err);
    });
  }

  /** Applies mode and mtime, then fsyncs and closes in the background (a few at a time). */
  async finishFile(fh: FileHandle, meta: Meta): Promise<void> {
    try {
      await fh.chmod(meta.mode & FILE_MODE_MASK);
      const t = seconds(meta.mtimeNs);
      await fh.utimes(t, t);
    } catch (err) {
      await fh.close();
      throw err;
    }
    const done = (async () => {
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    })();
    // Awaited in order below or in settle(); until then a failure must not count as unhandled.
    done.catch(() => undefined);
    this.#syncing.push(done);
    if (this.#syncing.length >= SYNC_AHEAD) await this.#syncing.shift();
  }

  /** Records a symlink, created only by finish(). */
  async addSymlink(path: string, target: string, mtimeNs: bigint): Promise<void> {
    if (this.#dirs.has(path)) throw duplicate(path);
    await this.#ensureDir(parentOf(path));
    const existing = await lstat(this.#abs(path)).catch(() => undefined);
    if (existing) throw duplicate(path);
    this.#links.set(path, target);
    this.#linkTimes.set(path, mtimeNs);
  }

  /** Checks and creates the symlinks, applies directory metadata deepest first and fsyncs every directory. */
  async finish(): Promise<void> {
    await this.settle(true);
    if (this.#outsideLinks === "reject") for (const path of this.#links.keys()) checkLinkResolution(path, this.#links);
    for (const [path, target] of this.#links) {
      const abs = this.#abs(path);
      await symlink(target, abs).catch((err: unknown) => {
        throw errnoOf(err) === "EEXIST" ? duplicate(path) : ioError(path, err);
      });
      const t = seconds(this.#linkTimes.get(path) ?? 0n);
      await lutimes(abs, t, t);
    }
    // Reverse byte order puts every directory after all of its descendants.
    const dirs = [...this.#dirs.keys()].sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)));
    for (const path of dirs) await this.#finishDir(path, this.#dirs.get(path) ?? null);
    await this.#finishDir("", null);
  }

  /** Waits for background fsyncs; with rethrow false (on an error path), only waits. */
  async settle(rethrow: boolean): Promise<void> {
    const pending = this.#syncing;
    this.#syncing = [];
    if (rethrow) await Promise.all(pending);
    else await Promise.allSettled(pending);
  }

  // The directory fd is opened while the mode is still our 0700, so even a 000 directory gets its fsync.
  async #finishDir(path: string, meta: Meta | null): Promise<void> {
    const fh = await open(this.#abs(path), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      if (path !== "") await fh.chmod(meta ? meta.mode & DIR_MODE_MASK : 0o755);
      if (meta) {
        const t = seconds(meta.mtimeNs);
        await fh.utimes(t, t);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  // mkdir -p below the root, trusting only directories we made or found to be real directories.
  async #ensureDir(path: string): Promise<void> {
    if (path === "" || this.#dirs.has(path)) return;
    await this.#ensureDir(parentOf(path));
    try {
      await mkdir(this.#abs(path), 0o700);
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") throw ioError(path, err);
      const st = await lstat(this.#abs(path));
      if (!st.isDirectory()) throw duplicate(path);
    }
    this.#dirs.set(path, null);
  }

  #abs(path: string): string {
    return path === "" ? this.root : `${this.root}/${path}`;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

// utimes takes seconds as a double, which near 2025 resolves about 240 ns. Whole seconds plus the
// fraction gives the double nearest to the stored time, so a time that was itself set from a double
// (utimes, touch -d) comes back to the nanosecond, and any other within about 120 ns.
function seconds(ns: bigint): number {
  const sec = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  return Number(sec) + Number(ns - sec * 1_000_000_000n) / 1e9;
}

function duplicate(path: string): ArchiveError {
  return new ArchiveError("E_DUPLICATE_ENTRY", `entry "${path}" would replace another entry of a different kind; the archive is malformed, refusing to restore it`, { path });
}

function ioError(path: string, err: unknown): ArchiveError {
  return new ArchiveError("E_EXTRACT_IO", `cannot write ${path} (${errnoOf(err) ?? String(err)}); check free space and permissions of the target directory`, { path, cause: err });
}

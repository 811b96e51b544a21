// The on-disk side of an extraction into a fresh, empty directory. Nothing is ever written through a
// symlink: symlinks are only recorded while entries stream in and created at the very end, so during the
// extraction every path below the root consists of directories this class made itself (mkdir, and lstat
// when one already exists); files are opened O_CREAT|O_EXCL|O_NOFOLLOW, so an existing path is never
// reused. Directories stay 0700 until the end, then get their modes and mtimes deepest first (a parent
// made read-only or re-timed early would be changed again by writing its children).
//
// The calls are synchronous, made on the main thread between reads of the stream, as the writer's reads
// are (file-reader.ts). Each one through fs/promises is a round trip through libuv's threadpool plus a
// promise, and on a tree of small files those round trips, not the bytes, were the cost; the pool is also
// where the decompressor runs. Every call is short (a write is one decompressed chunk, at most 2 MiB from
// the snapshot pipeline), so the event loop keeps turning, unless the target's filesystem hangs, which
// then stalls the whole agent rather than only this extraction. Only fsync, which waits for the disk,
// stays asynchronous (see durability.ts for when it is used at all).
import { closeSync, constants, fchmodSync, fchownSync, fsync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, symlinkSync, writeSync } from "node:fs";
import type { Stats } from "node:fs";
import { promisify } from "node:util";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import type { Durability } from "./durability.ts";
import { checkLinkResolution, checkNoLinkAncestor } from "./entry-rules.ts";

// setuid/setgid files are not recreated: a backup's content must not become a privileged binary when
// root restores it. Directories keep setgid (group inheritance) and the sticky bit.
const FILE_MODE_MASK = 0o1777;
const DIR_MODE_MASK = 0o3777;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Files or directories whose fsync + close may be in flight at once (durability "fsync"). */
const SYNC_AHEAD = 16;
const fsyncAsync = promisify(fsync);

interface Meta {
  mode: number;
  mtimeNs: bigint;
  uid: number;
  gid: number;
}

type Owner = { uid: number; gid: number } | null;

/** Tracks and creates what an extraction writes below one root directory. */
export class ExtractTree {
  readonly root: string;
  readonly #outsideLinks: "reject" | "keep";
  readonly #durability: Durability;
  readonly #owners: "current" | "archive";
  /** Directories made so far: explicit entries carry their metadata, implied parents null. */
  #dirs = new Map<string, Meta | null>();
  #links = new Map<string, string>();
  #linkTimes = new Map<string, bigint>();
  #linkOwners = new Map<string, Owner>();
  #syncing: Array<Promise<void>> = [];

  /** With durability "fsync" every file and directory is fsynced; with "syncfs" the caller flushes the filesystem. */
  constructor(root: string, outsideLinks: "reject" | "keep", durability: Durability, owners: "current" | "archive" = "current") {
    this.root = root;
    this.#outsideLinks = outsideLinks;
    this.#durability = durability;
    this.#owners = owners;
  }

  #ownerOf(meta: Meta | null): Owner {
    return this.#owners === "archive" && meta ? { uid: meta.uid, gid: meta.gid } : null;
  }

  /** Throws unless `path` can be a new entry: not below or at a symlink of this archive. */
  admit(path: string): void {
    checkNoLinkAncestor(path, this.#links);
    if (this.#links.has(path)) throw duplicate(path);
  }

  /** Creates a directory entry (again is fine: a later entry's metadata wins). */
  addDir(path: string, meta: Meta): void {
    this.#ensureDir(path);
    this.#dirs.set(path, meta);
  }

  /** Creates a new file and returns its descriptor; the caller writes it and hands it to finishFile or abandonFile. */
  createFile(path: string): number {
    if (this.#dirs.has(path)) throw duplicate(path);
    this.#ensureDir(parentOf(path));
    try {
      return openSync(this.#abs(path), CREATE_FLAGS, 0o600);
    } catch (err) {
      if (errnoOf(err) === "EEXIST") throw duplicate(path);
      throw ioError(path, err);
    }
  }

  /** Writes `data` at `position`, looping on short writes. */
  write(fd: number, path: string, data: Buffer, position: number): void {
    let done = 0;
    try {
      while (done < data.length) {
        const n = writeSync(fd, data, done, data.length - done, position + done);
        if (n <= 0) throw Object.assign(new Error("a write made no progress"), { code: "EIO" });
        done += n;
      }
    } catch (err) {
      throw ioError(path, err);
    }
  }

  /** Applies mode and mtime and closes; with durability "fsync", fsyncs first in the background (a few at a time). */
  async finishFile(fd: number, path: string, meta: Meta): Promise<void> {
    await this.#applyAndClose(fd, path, this.#ownerOf(meta), meta.mode & FILE_MODE_MASK, meta.mtimeNs);
  }

  /** Closes a file whose writing failed. */
  abandonFile(fd: number): void {
    closeSync(fd);
  }

  /** Records a symlink, created only by finish(). */
  addSymlink(path: string, target: string, meta: Meta): void {
    if (this.#dirs.has(path)) throw duplicate(path);
    this.#ensureDir(parentOf(path));
    if (lstatOrUndefined(this.#abs(path))) throw duplicate(path);
    this.#links.set(path, target);
    this.#linkTimes.set(path, meta.mtimeNs);
    this.#linkOwners.set(path, this.#ownerOf(meta));
  }

  /** Checks and creates the symlinks, then applies directory metadata deepest first (fsyncing each with durability "fsync"). */
  async finish(): Promise<void> {
    await this.settle(true);
    if (this.#outsideLinks === "reject") for (const path of this.#links.keys()) checkLinkResolution(path, this.#links);
    for (const [path, target] of this.#links) {
      const abs = this.#abs(path);
      try {
        symlinkSync(target, abs);
        const owner = this.#linkOwners.get(path);
        if (owner) lchownSync(abs, owner.uid, owner.gid);
        const t = seconds(this.#linkTimes.get(path) ?? 0n);
        lutimesSync(abs, t, t);
      } catch (err) {
        throw errnoOf(err) === "EEXIST" ? duplicate(path) : ioError(path, err);
      }
    }
    // Reverse byte order puts every directory after all of its descendants.
    const dirs = [...this.#dirs.keys()].sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)));
    for (const path of dirs) await this.#finishDir(path, this.#dirs.get(path) ?? null);
    await this.#finishDir("", null);
    await this.settle(true);
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
    if (path === "" && this.#durability !== "fsync") return;
    let fd: number;
    try {
      fd = openSync(this.#abs(path), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (err) {
      throw ioError(path, err);
    }
    await this.#applyAndClose(fd, path, path === "" ? null : this.#ownerOf(meta), path === "" ? null : meta ? meta.mode & DIR_MODE_MASK : 0o755, meta?.mtimeNs ?? null);
  }

  /** Sets owner, mode and mtime (each when given) on an open fd, then closes it durably; closes it on failure too. */
  async #applyAndClose(fd: number, path: string, owner: Owner, mode: number | null, mtimeNs: bigint | null): Promise<void> {
    try {
      // Owner before mode: chown clears setuid/setgid bits, so the mode must come after it.
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      if (mode !== null) applyMode(fd, mode);
      if (mtimeNs !== null) {
        const t = seconds(mtimeNs);
        futimesSync(fd, t, t);
      }
    } catch (err) {
      closeSync(fd);
      throw ioError(path, err);
    }
    await this.#closeDurably(fd, path);
  }

  async #closeDurably(fd: number, path: string): Promise<void> {
    if (this.#durability !== "fsync") {
      closeSync(fd);
      return;
    }
    const done = fsyncAsync(fd)
      .catch((err: unknown) => {
        throw ioError(path, err);
      })
      .finally(() => closeSync(fd));
    // Awaited in order below or in settle(); until then a failure must not count as unhandled.
    done.catch(() => undefined);
    this.#syncing.push(done);
    if (this.#syncing.length >= SYNC_AHEAD) await this.#syncing.shift();
  }

  // mkdir -p below the root, trusting only directories we made or found to be real directories.
  #ensureDir(path: string): void {
    if (path === "" || this.#dirs.has(path)) return;
    this.#ensureDir(parentOf(path));
    try {
      mkdirSync(this.#abs(path), 0o700);
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") throw ioError(path, err);
      if (!lstatOrUndefined(this.#abs(path))?.isDirectory()) throw duplicate(path);
    }
    this.#dirs.set(path, null);
  }

  #abs(path: string): string {
    return path === "" ? this.root : `${this.root}/${path}`;
  }
}

function lstatOrUndefined(abs: string): Stats | undefined {
  return lstatSync(abs, { throwIfNoEntry: false });
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
  const what = path === "" ? "the target directory" : path;
  return new ArchiveError("E_EXTRACT_IO", `cannot write ${what} (${errnoOf(err) ?? String(err)}); check free space and permissions of the target directory`, { path, cause: err });
}

// A setgid directory (group inheritance) cannot get its bit back where the process may not set it:
// the managed agent's systemd unit has RestrictSUIDSGID=yes (docs/agent-install.md). Refusing the
// whole restore for a bit that only decides the group of files created later would be worse than
// restoring the directory without it, so only that bit is dropped, and only on EPERM.
function applyMode(fd: number, mode: number): void {
  try {
    fchmodSync(fd, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM" || (mode & 0o2000) === 0) throw err;
    fchmodSync(fd, mode & ~0o2000);
  }
}

// How an extraction makes what it wrote survive a power cut. fsync of every file and directory works
// everywhere but is slow: on ext4 each fsync writes that file and then flushes the disk's write cache, so
// a tree of 15,000 small files costs 15,000 cache flushes, and it holds libuv threads the decompressor
// needs. syncfs(2) on the target's filesystem writes everything and flushes once: on the 2-vCPU reference
// machine, 14,800 files (1.3 GB) took 3.8 s to write and syncfs against 5.2 s with the best per-file
// fsync concurrency (16 in flight; 4 took 7.3 s, 64 took 6.3 s). Node has no syncfs binding; coreutils
// `sync -f DIR` (`--file-system`) calls it, so it is spawned once at the end.
//
// syncfs is used only where it is known to be as strong as per-file fsync:
// - Linux 5.8 or later. Before 5.8 syncfs returned 0 even when writeback had failed.
// - ext2/3/4, XFS, Btrfs and F2FS, whose sync_fs writes and waits for all data and metadata, and tmpfs
//   (nothing to make durable). NFS, FUSE (sshfs, rclone), overlayfs, ZFS and anything unknown get
//   per-file fsync: their syncfs may stop at the page cache or not report the server's errors.
// Since 5.8 a writeback error is reported to the `sync` process even though it opened the directory after
// the error, unless another process's syncfs of the same filesystem consumed it in between (errseq).
// If the spawn fails in any way (no `sync` binary, one too old for -f, busybox's minimal sync that ignores
// its arguments and says so on stderr, or syncfs itself reporting an error), fsyncTree fsyncs every file
// and directory instead, so a restore never ends less durable than with per-file fsync.
import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import { release } from "node:os";
import { promisify } from "node:util";
import { abortedError } from "./archive-error.ts";

/** "syncfs": write everything, then flush the target's filesystem once; "fsync": fsync every file and directory. */
export type Durability = "syncfs" | "fsync";

const execFileAsync = promisify(execFile);

// statfs f_type magic numbers (linux/magic.h).
const SYNCFS_FILESYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // XFS
  0x9123683e, // Btrfs
  0xf2f52010, // F2FS
  0x01021994, // tmpfs
]);

/** Picks how the extraction below `root` is made durable (see the header comment). */
export async function chooseDurability(root: string): Promise<Durability> {
  if (process.platform !== "linux" || !kernelAtLeast(release(), 5, 8)) return "fsync";
  const { type } = await statfs(root);
  return SYNCFS_FILESYSTEMS.has(type) ? "syncfs" : "fsync";
}

/**
 * Flushes the filesystem holding `dir` with `sync -f`. Resolves true once it is on disk, false when the
 * flush could not be done or reported an error (the caller then fsyncs file by file); rejects with
 * E_ABORTED only when `signal` fired (the child is killed).
 */
export async function syncFileSystem(dir: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const { stderr } = await execFileAsync("sync", ["-f", dir], { signal, encoding: "utf8" });
    return stderr.trim() === "";
  } catch {
    if (signal?.aborted) throw abortedError(signal, "the extraction");
    return false;
  }
}

/** Bytes written between two background flushes of an extraction. */
const BACKGROUND_FLUSH_BYTES = 256 * 1024 * 1024;

/**
 * Flushes the target's filesystem in the background while a "syncfs" extraction writes, one flush at a
 * time, every `every` bytes, so that the flush that makes the restore durable at the end has only the
 * tail left. On the 2-core reference VM the final flush of the reference set's 1.1 GB took 1.2–1.4 s
 * with the cores idle; with a flush every 256 MiB meanwhile, 0.01–0.04 s.
 *
 * A flush that fails or cannot be run is remembered and no other is started: the end must then fsync
 * every file instead of trusting a last flush, because the failed one may have consumed the
 * filesystem's report of a writeback error (errseq), while the per-file report that fsync reads stays.
 */
export class BackgroundFlush {
  readonly #dir: string;
  readonly #every: number;
  readonly #signal: AbortSignal | undefined;
  #startedAt = 0;
  #running: Promise<void> | null = null;
  #failed = false;

  constructor(dir: string, signal?: AbortSignal, every = BACKGROUND_FLUSH_BYTES) {
    this.#dir = dir;
    this.#signal = signal;
    this.#every = every;
  }

  /** Called with the bytes written so far; starts a flush when `every` more have been written since the last. */
  wrote(total: number): void {
    if (this.#running || this.#failed || total - this.#startedAt < this.#every) return;
    this.#startedAt = total;
    this.#running = syncFileSystem(this.#dir, this.#signal)
      .then(
        (ok) => void (this.#failed ||= !ok),
        () => void (this.#failed = true),
      )
      .finally(() => (this.#running = null));
  }

  /** Waits for the flush in progress; false if any flush failed (the caller then fsyncs every file). */
  async settled(): Promise<boolean> {
    await this.#running;
    return !this.#failed;
  }
}

/** True when a Linux kernel release string ("6.8.0-45-generic") is at least major.minor. */
export function kernelAtLeast(kernel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

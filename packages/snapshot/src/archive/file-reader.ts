// Opens and reads the files of the archive with synchronous calls on the main thread. On a tree of many
// small files the per-file syscalls (open, fstat, read, close), not the bytes, are the cost: through
// fs/promises each is a round trip through libuv's threadpool plus a promise, and a worker thread that
// makes them synchronously instead costs an isolate, message copies and buffers of its own. Plain
// synchronous calls measured cheapest on the 2-vCPU reference machine, with the file data cached (0.55 s
// instead of 1.0 s of CPU for the 15k-file, 950 MB part of the reference set) and also with it evicted
// from the page cache (docs/archive.md, "Throughput and memory"). The writer keeps the event loop turning
// by working in short slices (create-slicer.ts), not by moving the calls elsewhere.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ArchiveError } from "./archive-error.ts";

/** What the header of a file needs from its stat. */
export interface FileStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
}

export type OpenResult = { kind: "file"; fd: number; stat: FileStat } | { kind: "not-file" };

// O_NOFOLLOW: a file swapped for a symlink after listing must not be followed (a root given as a symlink
// is followed on purpose). O_NONBLOCK: one swapped for a FIFO must not hang the backup; it has no effect
// on regular files.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Opens a file and stats the open descriptor, so header and data describe the same file; throws errno errors. */
export function openFile(path: string, follow: boolean): OpenResult {
  const fd = openSync(path, FLAGS | (follow ? 0 : constants.O_NOFOLLOW));
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) {
      closeSync(fd);
      return { kind: "not-file" };
    }
    return { kind: "file", fd, stat: { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), size: Number(st.size), mtimeNs: st.mtimeNs } };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Reads up to `want` bytes at `position` into buf at `offset`, stopping early only at end of file. With
 * `probe`, one byte more is asked for in the same read, so a file that grew is noticed without an extra
 * syscall (buf must have room for it); the result is then want + 1.
 */
export function readFully(fd: number, buf: Uint8Array, offset: number, want: number, position: number, probe: boolean, path: string): number {
  const limit = want + (probe ? 1 : 0);
  let got = 0;
  try {
    while (got < want || (got === 0 && limit > 0)) {
      const n = readSync(fd, buf, offset + got, limit - got, position + got);
      if (n === 0) break;
      got += n;
    }
  } catch (err) {
    throw new ArchiveError("E_ARCHIVE_IO", `cannot read ${path}: ${String(err)}`, { path, cause: err });
  }
  return got;
}

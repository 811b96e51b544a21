// A dry run of the walk that totals file sizes, for multipart part sizing and progress ETA. It is an
// estimate of the data the archive will carry: files can change before they are read, SQLite copies differ
// from the live file, and the -wal/-shm siblings it counts are left out once their database is captured.
import { lstat, stat } from "node:fs/promises";
import { errnoOf } from "./archive-error.ts";
import { createExcludeMatcher } from "./create-exclude-matcher.ts";
import type { ArchiveRoot } from "./types.ts";
import { validateRoots } from "./validate-roots.ts";
import { walkRoots } from "./walk-roots.ts";

// lstat calls kept in flight: per-file syscall latency, not bandwidth, bounds a walk of many small files.
const CONCURRENCY = 32;

/** Walks the roots (same exclusion rules) and totals file bytes, for part sizing and progress ETA. */
export async function measureRoots(roots: ArchiveRoot[], opts: { exclude?: string[] } = {}): Promise<{ files: number; bytes: number }> {
  const walker = walkRoots(validateRoots(roots), { matcher: createExcludeMatcher(opts.exclude), unreadable: "warn" });
  let files = 0;
  let bytes = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  // Never rejects: the first failure is kept and rethrown in order below.
  const sizeOf = async (path: string, isRoot: boolean): Promise<void> => {
    try {
      const st = await (isRoot ? stat : lstat)(path);
      if (!st.isFile()) return;
      files++;
      bytes += st.size;
    } catch (err) {
      // A file that vanished since it was listed will not be archived either.
      if (errnoOf(err) !== "ENOENT") failure ??= err;
    }
  };
  try {
    for await (const item of walker) {
      if (failure !== undefined) throw failure;
      if (item.kind === "error") throw item.error;
      if (item.kind !== "file") continue;
      const p = sizeOf(item.absPath, item.isRoot).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;
  return { files, bytes };
}

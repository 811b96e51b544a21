// A dry run of the walk that totals file sizes, for multipart part sizing and progress ETA. It is an
// estimate of the data the archive will carry: files can change before they are read, SQLite copies differ
// from the live file, and the -wal/-shm siblings it counts are left out once their database is captured.
// Like the writer it uses synchronous calls (a cached lstat costs about a microsecond, a promise round trip
// through the threadpool far more), in slices between which the event loop turns.
import { lstatSync, statSync } from "node:fs";
import { errnoOf } from "./archive-error.ts";
import { createExcludeMatcher } from "./create-exclude-matcher.ts";
import { createSlicer } from "./create-slicer.ts";
import type { ArchiveRoot } from "./types.ts";
import { validateRoots } from "./validate-roots.ts";
import { walkRoots } from "./walk-roots.ts";

/** Longest stretch of synchronous work before the event loop gets a turn. */
const SLICE_MS = 5;

/** Walks the roots (same exclusion rules) and totals file bytes, for part sizing and progress ETA. */
export async function measureRoots(roots: ArchiveRoot[], opts: { exclude?: string[] } = {}): Promise<{ files: number; bytes: number }> {
  const walker = walkRoots(validateRoots(roots), { matcher: createExcludeMatcher(opts.exclude), unreadable: "warn" });
  let files = 0;
  let bytes = 0;
  const slice = createSlicer(SLICE_MS);
  for (const item of walker) {
    if (item.kind === "error") throw item.error;
    if (item.kind === "file") {
      try {
        const st = (item.isRoot ? statSync : lstatSync)(item.absPath);
        if (st.isFile()) {
          files++;
          bytes += st.size;
        }
      } catch (err) {
        // A file that vanished since it was listed will not be archived either.
        if (errnoOf(err) !== "ENOENT") throw err;
      }
    }
    if (slice.due()) await slice.rest();
  }
  return { files, bytes };
}

// The writer: roots → walk → prepare (ahead, concurrently) → emit in order → one pax tar byte stream.
// It is pull-driven: Readable.from asks for the next chunk only while the stream holds less than
// HIGH_WATER_MARK, so however large the tree, at most that plus one chunk is buffered, and a slow consumer
// (compression, upload) simply pauses the walk. Nothing of the archive is ever written to disk.
import { Readable } from "node:stream";
import { abortedError } from "./archive-error.ts";
import { coalesceChunks } from "./coalesce-chunks.ts";
import { createExcludeMatcher } from "./create-exclude-matcher.ts";
import { emitEntry } from "./emit-entry.ts";
import type { EmitContext } from "./emit-entry.ts";
import { endOfArchive } from "./encode-tar-header.ts";
import { loadOwnerNames } from "./owner-names.ts";
import { prefetchInOrder } from "./prefetch-in-order.ts";
import { createFileReader } from "./file-reader.ts";
import { FIRST_CHUNK, prepareEntry } from "./prepare-entry.ts";
import type { PreparedEntry } from "./prepare-entry.ts";
import { createSqliteStaging } from "./sqlite-staging.ts";
import type { ArchiveOptions, ArchiveRoot } from "./types.ts";
import { validateRoots } from "./validate-roots.ts";
import { walkRoots } from "./walk-roots.ts";

/** Bytes the stream may hold before it stops reading files. */
export const HIGH_WATER_MARK = 2 * 1024 * 1024;
/** Entries prepared ahead of the one being emitted (each holds ≤ 256 KiB of data; 8 MiB in all). */
const LOOKAHEAD = 32;

/** The roots as one pax tar stream, each under its top-level name. */
export function createArchiveStream(roots: ArchiveRoot[], opts: ArchiveOptions = {}): Readable {
  const sorted = validateRoots(roots);
  const stream = Readable.from(coalesceChunks(generateArchive(sorted, opts)), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
  const signal = opts.signal;
  if (signal) {
    const onAbort = (): void => {
      stream.destroy(abortedError(signal, "the archive"));
    };
    if (signal.aborted) queueMicrotask(onAbort);
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      stream.once("close", () => signal.removeEventListener("abort", onAbort));
    }
  }
  return stream;
}

async function* generateArchive(roots: ArchiveRoot[], opts: ArchiveOptions): AsyncGenerator<Buffer> {
  const unreadable = opts.unreadable ?? "error";
  const staging = createSqliteStaging(opts.tempDir);
  const owners = await loadOwnerNames();
  let files = 0;
  let bytes = 0;
  const ctx: EmitContext = {
    staging,
    captured: new Set(),
    warn: (w) => opts.onWarning?.(w),
    progress: (read, fileDone) => {
      bytes += read;
      if (fileDone) files++;
      opts.onProgress?.({ files, bytes });
    },
  };
  const walker = walkRoots(roots, {
    matcher: createExcludeMatcher(opts.exclude),
    unreadable,
    skipDir: (abs) => abs === staging.dir,
  });
  const reader = createFileReader(FIRST_CHUNK);
  const prepared = prefetchInOrder(walker, (item) => prepareEntry(item, { owners, unreadable, reader }), LOOKAHEAD, release);
  try {
    for await (const entry of prepared) {
      if (opts.signal?.aborted) {
        await release(entry);
        throw abortedError(opts.signal, "the archive");
      }
      yield* emitEntry(entry, ctx);
    }
    yield endOfArchive();
  } finally {
    // Runs on success, error and destroy alike (Readable.from returns the generator on destroy), so
    // prepared files are closed and SQLite copies removed before the stream emits "close".
    await prepared.return(undefined);
    await reader.close();
    await staging.dispose();
  }
}

async function release(entry: PreparedEntry): Promise<void> {
  if (entry.kind === "file") await entry.fh?.close();
}

// The writer as a Readable: each chunk is a fresh CHUNK-sized buffer filled by the archive source, because
// a stream's chunks belong to its consumer, which may keep them (or views of them) as long as it likes. It
// is pull-driven: the next chunk is filled only when the consumer wants more and the stream holds less
// than HIGH_WATER_MARK, so a slow consumer (compression, upload) simply pauses the walk.
import { Readable } from "node:stream";
import { abortedError } from "./archive-error.ts";
import { createArchiveSource } from "./create-archive-source.ts";
import type { ArchiveOptions, ArchiveRoot } from "./types.ts";

/** Bytes per chunk: large enough that the consumer's per-chunk costs (a syscall, a cipher call) vanish. */
export const CHUNK = 1024 * 1024;
/**
 * Bytes the stream may hold before it stops reading files: one chunk. More would not make it faster (all
 * the work is on this thread), and a reader calling read() without a size gets everything buffered as one
 * buffer, which Node makes by concatenating (copying) the chunks when there are several.
 */
export const HIGH_WATER_MARK = CHUNK;

/** The roots as one pax tar stream, each under its top-level name. */
export function createArchiveStream(roots: ArchiveRoot[], opts: ArchiveOptions = {}): Readable {
  const source = createArchiveSource(roots, opts);
  const stream = new Readable({
    highWaterMark: HIGH_WATER_MARK,
    read() {
      const chunk = Buffer.allocUnsafe(CHUNK);
      source.read(chunk).then(
        (n) => {
          if (stream.destroyed) return;
          // Only the archive's last chunk is short.
          if (n > 0) stream.push(n === CHUNK ? chunk : chunk.subarray(0, n));
          if (n < CHUNK) stream.push(null);
        },
        (err: unknown) => stream.destroy(err as Error),
      );
    },
    destroy(err, done) {
      // Files are closed and SQLite copies removed before the stream emits "close".
      source.close().then(
        () => done(err),
        (closeErr: unknown) => done(err ?? (closeErr as Error)),
      );
    },
  });
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

// The writer and measureRoots do their file I/O with synchronous calls (see file-reader.ts). Without a
// pause now and then, a long run of them would keep the event loop from ever turning: no timers, no
// socket reads, no threadpool completions (the compressor's frames) until the archive ends, because a
// consumer that takes chunks as they come only ever resumes the writer through microtasks. A slicer
// measures how long the current stretch has run and, past its budget, yields one turn of the event loop.
import { setImmediate as nextTurn } from "node:timers/promises";

/** Tracks a stretch of synchronous work and yields to the event loop once it exceeds its budget. */
export interface Slicer {
  /** The stretch has run for `ms` or longer. */
  due(): boolean;
  /** Lets the event loop turn once (timers, I/O, immediates) and starts a new stretch. */
  rest(): Promise<void>;
}

/** A slicer with a budget of `ms` milliseconds per stretch. */
export function createSlicer(ms: number): Slicer {
  let start = performance.now();
  return {
    due: () => performance.now() - start >= ms,
    async rest() {
      await nextTurn();
      start = performance.now();
    },
  };
}

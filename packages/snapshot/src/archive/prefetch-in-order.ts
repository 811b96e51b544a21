// Runs an async step on up to `depth` items ahead of the consumer while still yielding results in source
// order. The archive needs both: overlapping per-file syscalls for throughput, and a deterministic order.
// The source is pulled by a separate pump, so a slow source step (a directory listing) never holds up a
// result that is already prepared. The pump tops the queue up only once it is half empty, so new work
// starts in batches (which the file reader sends to its thread as one message).

/** Maps source items through `prepare`, keeping up to `depth` in flight; `discard` cleans up unconsumed results. */
export async function* prefetchInOrder<T, R>(
  source: AsyncIterator<T>,
  prepare: (item: T) => Promise<R>,
  depth: number,
  discard: (result: R) => Promise<void>,
): AsyncGenerator<R> {
  const queue: Array<Promise<R>> = [];
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;

  const pump = (async () => {
    try {
      while (!stopped) {
        if (queue.length >= depth) {
          await new Promise<void>((resolve) => (wakePump = resolve));
          continue;
        }
        const next = await source.next();
        if (next.done) break;
        const pending = prepare(next.value);
        // Awaited later, in order; until then a rejection must not count as unhandled.
        pending.catch(() => undefined);
        queue.push(pending);
        wakeConsumer?.();
      }
    } catch (error) {
      // Kept for its turn: results before it are still delivered first.
      failure = { error };
    } finally {
      finished = true;
      wakeConsumer?.();
    }
  })();

  try {
    while (true) {
      const head = queue.shift();
      if (!head) {
        if (finished) {
          if (failure) throw failure.error;
          return;
        }
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
        wakeConsumer = undefined;
        continue;
      }
      if (queue.length <= depth / 2) {
        wakePump?.();
        wakePump = undefined;
      }
      yield await head;
    }
  } finally {
    stopped = true;
    wakePump?.();
    await pump;
    // Results prepared but never consumed may hold resources (open files): release them all.
    for (const pending of queue.splice(0)) {
      const result = await pending.then(
        (r) => r,
        () => undefined,
      );
      if (result !== undefined) await discard(result);
    }
    await source.return?.(undefined);
  }
}

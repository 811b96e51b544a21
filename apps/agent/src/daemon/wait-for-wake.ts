/**
 * Resolves when `wake` (handed to `register`) is called, rejects with `onTimeout()` after `timeoutMs` or
 * with the signal's reason on abort; `register` returns how to unregister, called however it ends.
 */
export function waitForWake(
  register: (wake: () => void) => () => void,
  timeoutMs: number,
  onTimeout: () => Error,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = (error?: unknown): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      unregister();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => done(signal.reason);
    const timer = setTimeout(() => done(onTimeout()), timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    const unregister = register(() => done());
  });
}

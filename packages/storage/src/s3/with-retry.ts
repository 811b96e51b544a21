// Exponential backoff with jitter, so thousands of agents retrying after the same R2 hiccup do
// not come back in lockstep.
import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Total tries, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before retry number `attempt` (1-based): half of the capped exponential, plus up to half again at random. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return cap / 2 + Math.random() * (cap / 2);
}

/** Runs `op` until it succeeds, fails with a non-retryable error, runs out of attempts or `signal` aborts. */
export async function withRetry<T>(
  op: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (err: unknown) => boolean,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (signal?.aborted || attempt >= policy.maxAttempts || !isRetryable(err)) throw err;
      // rejects with the signal's reason if aborted while waiting
      await sleep(backoffDelay(attempt, policy), undefined, { signal });
    }
  }
}

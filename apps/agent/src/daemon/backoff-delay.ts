// How long the agent waits before dialling the gateway again. Full jitter (a uniformly random wait up to
// the exponential ceiling) spreads thousands of agents that lost the same gateway over the whole window
// instead of bringing them back in synchronized waves.

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 60_000;

/**
 * The wait before reconnect attempt `failures` (0 for the first after a connection was lost):
 * random × min(cap, base × 2^failures). `refused` (closed with 1008: this identity was not accepted)
 * waits between half the cap and the cap: retrying sooner cannot help until someone re-enrolls the VM.
 */
export function backoffDelay(failures: number, random: () => number, refused = false): number {
  if (refused) return Math.round(BACKOFF_CAP_MS / 2 + (random() * BACKOFF_CAP_MS) / 2);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures, 16));
  return Math.round(random() * ceiling);
}

// Thousands of VMs must not all start uploading in the same second. Each VM gets a fixed offset
// inside the spread window, derived from its id alone: the same VM starts at the same point of the
// window every night (stable for the customer, easy to reason about in support), a re-run of the
// fan-out computes the same delay, and ids hash uniformly, so the fleet spreads evenly.
import { createHash } from "node:crypto";

const SPAN = 2 ** 48;

/** The VM's delay in [0, windowMs) from the start of the fan-out; 0 when the window is 0. */
export function spreadDelayMs(vmId: string, windowMs: number): number {
  if (!(windowMs > 0)) return 0;
  const digest = createHash("sha256").update(vmId.toLowerCase()).digest();
  return Math.floor((digest.readUIntBE(0, 6) / SPAN) * windowMs);
}

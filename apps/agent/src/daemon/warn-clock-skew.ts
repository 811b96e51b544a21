import type { Output } from "../runtime/output.ts";

/** Grants have no skew allowance (docs/keys.md), so a VM clock this far off is worth a warning at every connection. */
const CLOCK_SKEW_WARNING_MS = 60_000;

/** Warns (W_CLOCK_SKEW) when this VM's clock is more than a minute off the gateway's `serverTime`. */
export function warnClockSkew(serverTime: string, now: Date, out: Output): void {
  const skewMs = now.getTime() - Date.parse(serverTime);
  if (!(Math.abs(skewMs) > CLOCK_SKEW_WARNING_MS)) return;
  const seconds = Math.abs(Math.round(skewMs / 1000));
  out.warn(
    "W_CLOCK_SKEW",
    `this VM's clock is ${seconds} s ${skewMs > 0 ? "ahead of" : "behind"} the gateway's — a clock ahead makes grants look expired (E_GRANT_EXPIRED); check NTP`,
    { skewMs },
  );
}

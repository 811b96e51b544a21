import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffDelay } from "./backoff-delay.ts";

describe("backoffDelay", () => {
  it("is full jitter under an exponential ceiling of 1 s × 2ⁿ, capped at 60 s", () => {
    expect([0, 1, 2, 5, 6, 7, 50].map((n) => backoffDelay(n, () => 0.999999))).toEqual([1_000, 2_000, 4_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.5)).toBe(4_000);
  });

  it("waits between half the cap and the cap after a 1008 refusal, whatever the count", () => {
    expect(backoffDelay(0, () => 0, true)).toBe(BACKOFF_CAP_MS / 2);
    expect(backoffDelay(0, () => 0.999999, true)).toBe(BACKOFF_CAP_MS);
  });
});

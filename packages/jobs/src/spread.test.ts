import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { spreadDelayMs } from "./spread.ts";

describe("spreadDelayMs", () => {
  it("gives every VM a fixed delay inside the window", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 24 * 60 * 60 * 1000 }), (vmId, windowMs) => {
        const delay = spreadDelayMs(vmId, windowMs);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(windowMs);
        expect(Number.isInteger(delay)).toBe(true);
        expect(spreadDelayMs(vmId.toUpperCase(), windowMs)).toBe(delay);
      }),
    );
  });

  it("is 0 without a window", () => {
    expect(spreadDelayMs(randomUUID(), 0)).toBe(0);
  });

  it("spreads a fleet evenly: no tenth of the window gets far more than a tenth of the VMs", () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) buckets[Math.floor(spreadDelayMs(randomUUID(), 1_000) / 100)]! += 1;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(1_700);
      expect(count).toBeLessThan(2_300);
    }
  });
});

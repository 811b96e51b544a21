import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { meterShortLivedBuffers } from "./collect-young-garbage.ts";

/** Young-generation collections that happen while `work` runs, as Node's performance timeline reports them. */
async function minorCollectionsDuring(work: () => void): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  work();
  // gc entries are delivered asynchronously
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return seen.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

describe("meterShortLivedBuffers", () => {
  it("runs one young-generation collection per interval of bytes reported, and none in between", async () => {
    const meter = meterShortLivedBuffers(1024 * 1024);
    // 10 × 64 KiB: below the interval, no collection is forced.
    const idle = await minorCollectionsDuring(() => {
      for (let i = 0; i < 10; i++) meter(64 * 1024);
    });
    // 3 more MiB in 64 KiB steps cross the interval three times (0.625 + 3 MiB in all).
    const busy = await minorCollectionsDuring(() => {
      for (let i = 0; i < 48; i++) meter(64 * 1024);
    });
    // V8 may run a collection of its own in either window; the three forced ones always come.
    expect(idle).toBeLessThanOrEqual(1);
    expect(busy).toBeGreaterThanOrEqual(3);
  });

  it("leaves `gc` unexposed to contexts made afterwards", async () => {
    meterShortLivedBuffers();
    const { runInNewContext } = await import("node:vm");
    expect(runInNewContext("typeof gc")).toBe("undefined");
  });
});

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_NIGHTLY_TIMING, JOBS, nightlyJobId, SnapshotNightlyPayload } from "./catalog.ts";
import { nightlyJobOptions, scheduledAt } from "./queues.ts";

describe("the nightly job", () => {
  it("retries once an hour for the six hours after the first attempt", () => {
    const { attempts, backoff } = JOBS["snapshot.nightly"];
    expect(backoff).toEqual({ type: "fixed", delay: 60 * 60 * 1000 });
    expect((attempts - 1) * backoff.delay).toBe(6 * 60 * 60 * 1000);
  });

  it("has one id per VM and night, with exactly two colons as BullMQ 5 requires", () => {
    const vmId = randomUUID();
    expect(nightlyJobId(vmId.toUpperCase(), "2026-11-22")).toBe(`nightly:${vmId}:2026-11-22`);
    expect(nightlyJobId(vmId, "2026-11-22").split(":")).toHaveLength(3);
  });

  it("carries the configured retry delay and a spread delay inside the window", () => {
    const vmId = randomUUID();
    const options = nightlyJobOptions(vmId, "2026-11-22", { retryDelayMs: 300, spreadMs: 200 });
    expect(options).toMatchObject({ jobId: nightlyJobId(vmId, "2026-11-22"), attempts: 7, backoff: { type: "fixed", delay: 300 } });
    expect(options.delay).toBeGreaterThanOrEqual(0);
    expect(options.delay).toBeLessThan(200);
    expect(nightlyJobOptions(vmId, "2026-11-22", DEFAULT_NIGHTLY_TIMING).backoff).toEqual({ type: "fixed", delay: 3_600_000 });
  });

  it("parses payloads strictly where it matters and ignores fields it does not know", () => {
    const vmId = randomUUID();
    expect(SnapshotNightlyPayload.parse({ vmId, night: "2026-11-22", later: 1 })).toEqual({ vmId, night: "2026-11-22" });
    expect(SnapshotNightlyPayload.safeParse({ vmId: "vm-1", night: "2026-11-22" }).success).toBe(false);
    expect(SnapshotNightlyPayload.safeParse({ vmId, night: "22/11/2026" }).success).toBe(false);
  });
});

describe("scheduledAt", () => {
  it("reads a scheduler job's fire time, not the time a worker picked it up", () => {
    const fire = Date.parse("2026-11-22T03:00:00Z");
    expect(scheduledAt({ id: `repeat:snapshot.fanout:${fire}`, opts: {}, timestamp: fire - 5_000 }).toISOString()).toBe("2026-11-22T03:00:00.000Z");
    expect(scheduledAt({ id: "7", opts: { prevMillis: fire }, timestamp: 0 }).getTime()).toBe(fire);
    expect(scheduledAt({ id: "8", opts: {}, timestamp: fire + 1 }).getTime()).toBe(fire + 1);
  });
});

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { finalBackupJobId, initialRestoreJobId, JOBS, purgeJobId } from "./catalog.ts";
import { CustomerPurgePayload, ExportNowPayload } from "./lifecycle-payloads.ts";

describe("the lifecycle jobs", () => {
  it("have ids BullMQ 5 accepts (no colon, or exactly two): one purge per customer and cancellation, one final backup per VM", () => {
    const id = randomUUID();
    const purgeAt = new Date("2027-02-20T10:00:00Z");
    expect(purgeJobId(id.toUpperCase(), purgeAt)).toBe(`purge:${id}:${purgeAt.getTime()}`);
    expect(purgeJobId(id, purgeAt).split(":")).toHaveLength(3);
    expect(finalBackupJobId(id)).not.toContain(":");
  });

  it("retry the final backup in the nightly's window and a purge for about a day", () => {
    expect(JOBS["vm.final-backup"]).toMatchObject({ attempts: 7, backoff: { type: "fixed", delay: 3_600_000 } });
    expect(JOBS["customer.purge"].attempts).toBeGreaterThanOrEqual(5);
    expect(JOBS["export.now"].attempts).toBe(3);
  });

  it("name only the row a handler starts from", () => {
    expect(ExportNowPayload.safeParse({ exportId: "x" }).success).toBe(false);
    const customerId = randomUUID();
    expect(CustomerPurgePayload.parse({ customerId, extra: 1 })).toEqual({ customerId });
  });

  it("run the initial restore once per VM and wish, retried for about a day and a half while the agent is not there", () => {
    const vmId = randomUUID();
    const requestedAt = new Date("2027-01-02T03:04:05Z");
    expect(initialRestoreJobId(vmId.toUpperCase(), requestedAt)).toBe(`initial-restore:${vmId}:${requestedAt.getTime()}`);
    expect(initialRestoreJobId(vmId, requestedAt).split(":")).toHaveLength(3);
    const { attempts, backoff } = JOBS["vm.initial-restore"];
    // Exponential backoff: the waits before attempts 2 … n are delay × 2^0 … 2^(n−2).
    const total = backoff.delay * (2 ** (attempts - 1) - 1);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(total).toBeLessThan(48 * 3_600_000);
  });
});

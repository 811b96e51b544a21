import { describe, expect, it } from "vitest";
import { agentOnline, nextBackupAt, offlineSince } from "./vm-status.ts";
import type { VmRow } from "./vm-status.ts";

const vm = (over: Partial<VmRow> = {}): VmRow => ({
  id: "aaaaaaaa-0000-4000-8000-00000000000a", hostname: "a.example", region: "SG", status: "active",
  lastHeartbeatAt: null, agentEnrolledAt: new Date("2026-11-01T00:00:00Z"), agentVersion: "0.1.0", appStatus: "running",
  diskFreeBytes: 1, lastBackupSucceededAt: null, lastBackupError: null, backupAlertSince: null, ...over,
});

describe("what the overview derives from a VM row", () => {
  it("calls the agent online only within 90 s of its last heartbeat", () => {
    const now = new Date("2026-11-22T12:00:00Z");
    expect(agentOnline(vm({ lastHeartbeatAt: new Date("2026-11-22T11:58:31Z") }), now)).toBe(true);
    expect(agentOnline(vm({ lastHeartbeatAt: new Date("2026-11-22T11:58:29Z") }), now)).toBe(false);
    expect(agentOnline(vm(), now)).toBe(false);
  });

  it("puts the next backup at the coming 03:00 UTC plus the VM's fixed place in the spread", () => {
    const before = nextBackupAt(vm(), new Date("2026-11-22T01:00:00Z"), 0);
    expect(before?.toISOString()).toBe("2026-11-22T03:00:00.000Z");
    const after = nextBackupAt(vm(), new Date("2026-11-22T03:00:01Z"), 0);
    expect(after?.toISOString()).toBe("2026-11-23T03:00:00.000Z");
    const spread = nextBackupAt(vm(), new Date("2026-11-22T01:00:00Z"), 15 * 60 * 1000)!;
    expect(spread.getTime() - Date.parse("2026-11-22T03:00:00Z")).toBeGreaterThanOrEqual(0);
    expect(spread.getTime() - Date.parse("2026-11-22T03:00:00Z")).toBeLessThan(15 * 60 * 1000);
    expect(nextBackupAt(vm({ status: "deleting" }), new Date(), 0)).toBeNull();
  });

  it("raises the offline banner after ten silent minutes of an enrolled agent, never for one not installed", () => {
    const now = new Date("2026-11-22T12:00:00Z");
    expect(offlineSince(vm({ lastHeartbeatAt: new Date("2026-11-22T11:55:00Z") }), now)).toBeNull();
    expect(offlineSince(vm({ lastHeartbeatAt: new Date("2026-11-22T11:49:00Z") }), now)?.toISOString()).toBe("2026-11-22T11:49:00.000Z");
    expect(offlineSince(vm({ agentEnrolledAt: null }), now)).toBeNull();
  });
});

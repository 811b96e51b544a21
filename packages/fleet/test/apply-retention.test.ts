// Nightly retention against real Postgres and the local S3 server: after every night the VM's rows
// and the objects in its bucket are exactly what the GFS rule keeps, another VM's snapshots and the
// VM's own held ones are untouched, and a deletion that fails or is cut short is finished next time.
import { planGfsRetention } from "@nacre/core";
import { markNightliesDeleting, withServiceSession } from "@nacre/db";
import { describe, expect, it } from "vitest";
import { applyRetention } from "../src/index.ts";
import { createVm, dashboardList, objectKeys, putSnapshot, rowStatuses, useRetentionFixture } from "./fixtures.ts";
import type { TestSnapshot } from "./fixtures.ts";

const fx = useRetentionFixture();
const DAY = 86_400_000;
const night = (date: string, time = "03:00:00"): Date => new Date(`${date}T${time}Z`);

/** `count` consecutive nights at 03:00 UTC ending on `last`. */
async function nightsUpTo(vm: Awaited<ReturnType<typeof createVm>>, last: string, count: number): Promise<TestSnapshot[]> {
  const out: TestSnapshot[] = [];
  for (let i = count - 1; i >= 0; i -= 1) out.push(await putSnapshot(fx(), vm, "nightly", new Date(night(last).getTime() - i * DAY)));
  return out;
}

describe("applyRetention", () => {
  it("over a month and a half of nights (failures, a second run one night), rows and objects agree with the rule every night", async () => {
    const { sql, cp } = fx();
    const vm = await createVm(sql, "SG");
    const neighbour = await createVm(sql, "SG"); // same bucket, another customer
    const neighbourNightlies = await nightsUpTo(neighbour, "2025-06-30", 20);
    const held = [
      await putSnapshot(fx(), vm, "export", night("2025-05-25", "12:00:00"), night("2025-06-01")),
      await putSnapshot(fx(), vm, "pre-restore", night("2025-06-10", "12:00:00"), night("2025-07-10")),
    ];
    const neighbourBefore = { rows: await rowStatuses(sql, neighbour.vmId), objects: await objectKeys(fx(), neighbour) };

    const failed = new Set(["2025-05-27", "2025-06-03", "2025-06-04", "2025-06-17", "2025-06-28"]);
    const history: TestSnapshot[] = [];
    const deletedEver: string[] = [];
    for (let t = night("2025-05-20").getTime(); t <= night("2025-07-05").getTime(); t += DAY) {
      const date = new Date(t).toISOString().slice(0, 10);
      if (failed.has(date)) continue;
      history.push(await putSnapshot(fx(), vm, "nightly", new Date(t)));
      if (date === "2025-06-12") history.push(await putSnapshot(fx(), vm, "nightly", night(date, "09:30:00")));

      const outcome = await applyRetention(cp, vm.vmId);
      const expected = planGfsRetention(history);
      expect(outcome.failed).toEqual([]);
      expect(outcome.kept).toEqual(expected.reasons);
      deletedEver.push(...outcome.deleted);
      expect([...deletedEver].sort()).toEqual([...expected.remove].sort());

      const rows = await rowStatuses(sql, vm.vmId);
      const kept = history.filter((s) => expected.reasons.has(s.id));
      expect([...rows.keys()].sort()).toEqual([...kept, ...held].map((s) => s.id).sort());
      expect([...rows.values()].every((status) => status === "completed")).toBe(true);
      expect(await objectKeys(fx(), vm)).toEqual([...kept, ...held].map((s) => s.objectKey).sort());
    }

    // The last night (2025-07-05, a Saturday): 7 daily, 4 weekly and the months not already covered.
    const last = planGfsRetention(history);
    expect([...last.reasons.values()].filter((r) => r === "daily")).toHaveLength(7);
    expect([...last.reasons.values()].filter((r) => r === "weekly")).toHaveLength(4);
    expect(deletedEver.length).toBeGreaterThan(20);
    // Nothing of the neighbour's was touched, though its objects share the bucket.
    expect(await rowStatuses(sql, neighbour.vmId)).toEqual(neighbourBefore.rows);
    expect(await objectKeys(fx(), neighbour)).toEqual(neighbourBefore.objects);
    expect(neighbourBefore.objects).toHaveLength(neighbourNightlies.length);
  });

  it("a failed object delete leaves the row 'deleting' (off the dashboard) and the next run finishes it", async () => {
    const { sql, cp, faultyCp, proxy } = fx();
    const vm = await createVm(sql, "SG");
    // 06-21 … 06-30: 06-22 is the weekly of its week; 06-21 (not its week's last) and 06-23 (a week the
    // dailies cover) are not kept.
    const nightlies = await nightsUpTo(vm, "2025-06-30", 10);
    const doomed = [nightlies[0]!, nightlies[2]!];
    expect(planGfsRetention(nightlies).remove.sort()).toEqual(doomed.map((s) => s.id).sort());

    proxy.setRules([{ on: "DeleteObject", times: Number.POSITIVE_INFINITY, action: { kind: "status", status: 500 } }]);
    try {
      const outcome = await applyRetention(faultyCp, vm.vmId);
      expect(outcome.deleted).toEqual([]);
      expect(outcome.failed.map((f) => f.snapshotId).sort()).toEqual(doomed.map((s) => s.id).sort());
      expect(outcome.failed[0]?.message).toMatch(/InternalError|500/);
    } finally {
      proxy.setRules([]);
    }
    const rows = await rowStatuses(sql, vm.vmId);
    for (const s of doomed) expect(rows.get(s.id)).toBe("deleting");
    const survivors = nightlies.filter((s) => !doomed.includes(s));
    expect(await dashboardList(sql, vm.vmId)).toEqual(survivors.map((s) => s.id).reverse());
    expect(await objectKeys(fx(), vm)).toEqual(nightlies.map((s) => s.objectKey).sort());

    const retry = await applyRetention(cp, vm.vmId);
    expect(retry.failed).toEqual([]);
    expect(retry.deleted.sort()).toEqual(doomed.map((s) => s.id).sort());
    expect([...(await rowStatuses(sql, vm.vmId)).keys()].sort()).toEqual(survivors.map((s) => s.id).sort());
    expect(await objectKeys(fx(), vm)).toEqual(survivors.map((s) => s.objectKey).sort());
  });

  it("a run cut short after marking, or after deleting the object, is finished by the next run", async () => {
    const { sql, cp } = fx();
    const vm = await createVm(sql, "US");
    // 06-24 … 06-30: seven dailies, nothing for the rule to remove.
    const nightlies = await nightsUpTo(vm, "2025-06-30", 7);
    expect(planGfsRetention(nightlies).remove).toEqual([]);
    const [objectGone, markedOnly] = [nightlies[1]!, nightlies[2]!];
    // What a crash leaves: one row marked with its object intact, one marked with its object already gone.
    await sql`update public.snapshots set status = 'deleting' where id in (${markedOnly.id}, ${objectGone.id})`;
    await cp.signer.deleteObject("nacre-us", objectGone.objectKey);
    expect(await dashboardList(sql, vm.vmId)).toHaveLength(5);

    const outcome = await applyRetention(cp, vm.vmId);
    expect(outcome.deleted.sort()).toEqual([markedOnly.id, objectGone.id].sort());
    const remaining = nightlies.filter((s) => s !== markedOnly && s !== objectGone);
    expect([...outcome.kept.keys()].sort()).toEqual(remaining.map((s) => s.id).sort());
    expect([...(await rowStatuses(sql, vm.vmId)).keys()].sort()).toEqual(remaining.map((s) => s.id).sort());
    expect(await objectKeys(fx(), vm)).toEqual(remaining.map((s) => s.objectKey).sort());
    // And again: nothing left to do.
    expect(await applyRetention(cp, vm.vmId)).toMatchObject({ deleted: [], failed: [] });
  });

  it("the database refuses to mark the VM's newest completed nightly, or another VM's snapshot, whatever it is asked", async () => {
    const { sql } = fx();
    const vm = await createVm(sql, "EU");
    const other = await createVm(sql, "EU");
    const [older, newest] = await nightsUpTo(vm, "2025-06-30", 2);
    const [othersOnly] = await nightsUpTo(other, "2025-06-30", 1);
    const marked = await withServiceSession(sql, (tx) => markNightliesDeleting(tx, vm.vmId, [newest!.id, othersOnly!.id, older!.id]));
    expect(marked).toEqual([older!.id]);
    expect((await rowStatuses(sql, vm.vmId)).get(newest!.id)).toBe("completed");
    expect((await rowStatuses(sql, other.vmId)).get(othersOnly!.id)).toBe("completed");
  });

  it("a VM with no snapshots, or with only held ones, has nothing to prune", async () => {
    const { sql, cp } = fx();
    const vm = await createVm(sql, "SG");
    expect(await applyRetention(cp, vm.vmId)).toEqual({ vmId: vm.vmId, kept: new Map(), deleted: [], failed: [] });
    await putSnapshot(fx(), vm, "final", night("2025-01-01"), night("2025-04-01"));
    expect(await applyRetention(cp, vm.vmId)).toMatchObject({ deleted: [], failed: [] });
    expect(await objectKeys(fx(), vm)).toHaveLength(1);
  });
});

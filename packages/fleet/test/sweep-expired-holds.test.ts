// The holds sweep against real Postgres and the local S3 server: final backups go after 90 days,
// exports after 7, pre-restore snapshots after 30, each exactly when its hold ends; nightlies and
// extended holds stay; a failed or interrupted deletion is finished by the next sweep.
import { holdUntil } from "@nacre/core";
import type { HeldKind } from "@nacre/core";
import { describe, expect, it } from "vitest";
import { sweepExpiredHolds } from "../src/index.ts";
import { createVm, objectKeys, putSnapshot, rowStatuses, useRetentionFixture } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";

const fx = useRetentionFixture();
const TAKEN = new Date("2025-03-01T12:00:00Z");
const DAY = 86_400_000;
const afterDays = (days: number, ms = 0): Date => new Date(TAKEN.getTime() + days * DAY + ms);
const held = (vm: TestVm, kind: HeldKind, at = TAKEN) => putSnapshot(fx(), vm, kind, at, holdUntil(kind, at));

describe("sweepExpiredHolds", () => {
  it("deletes each held snapshot exactly when its hold ends, object then row, and leaves nightlies alone", async () => {
    const { sql, cp, clock } = fx();
    const vm = await createVm(sql, "SG");
    const exported = await held(vm, "export");
    const preRestore = await held(vm, "pre-restore");
    const final = await held(vm, "final");
    const nightly = await putSnapshot(fx(), vm, "nightly", TAKEN);
    const alive = async () => [...(await rowStatuses(sql, vm.vmId)).keys()].sort();
    const sweepAt = async (when: Date) => {
      clock.now = when;
      return sweepExpiredHolds(cp);
    };

    expect(await sweepAt(afterDays(7, -1))).toEqual({ deleted: [], failed: [] });
    expect(await sweepAt(afterDays(7))).toEqual({ deleted: [exported.id], failed: [] });
    expect(await sweepAt(afterDays(30, -1))).toEqual({ deleted: [], failed: [] });
    expect(await sweepAt(afterDays(30))).toEqual({ deleted: [preRestore.id], failed: [] });
    expect(await alive()).toEqual([final.id, nightly.id].sort());
    expect(await objectKeys(fx(), vm)).toEqual([final.objectKey, nightly.objectKey].sort());

    expect(await sweepAt(afterDays(90))).toEqual({ deleted: [final.id], failed: [] });
    expect(await sweepAt(afterDays(400))).toEqual({ deleted: [], failed: [] });
    expect(await alive()).toEqual([nightly.id]);
    expect(await objectKeys(fx(), vm)).toEqual([nightly.objectKey]);
  });

  it("keeps a snapshot whose hold was extended, and one with no hold at all", async () => {
    const { sql, cp, clock } = fx();
    const vm = await createVm(sql, "EU");
    const extended = await held(vm, "final");
    await sql`update public.snapshots set hold_until = ${afterDays(5000)} where id = ${extended.id}`;
    const openEnded = await putSnapshot(fx(), vm, "pre-restore", TAKEN);
    clock.now = afterDays(4999);
    expect(await sweepExpiredHolds(cp)).toEqual({ deleted: [], failed: [] });
    expect([...(await rowStatuses(sql, vm.vmId)).keys()].sort()).toEqual([extended.id, openEnded.id].sort());
  });

  it("a failed object delete leaves the row 'deleting'; the next sweep finishes it", async () => {
    const { sql, cp, faultyCp, proxy, clock } = fx();
    const vm = await createVm(sql, "US");
    const exported = await held(vm, "export", afterDays(500));
    clock.now = afterDays(508);
    proxy.setRules([{ on: "DeleteObject", times: Number.POSITIVE_INFINITY, action: { kind: "status", status: 500 } }]);
    try {
      const outcome = await sweepExpiredHolds(faultyCp);
      expect(outcome.deleted).toEqual([]);
      expect(outcome.failed.map((f) => f.snapshotId)).toEqual([exported.id]);
    } finally {
      proxy.setRules([]);
    }
    expect((await rowStatuses(sql, vm.vmId)).get(exported.id)).toBe("deleting");
    expect(await objectKeys(fx(), vm)).toEqual([exported.objectKey]);

    expect(await sweepExpiredHolds(cp)).toEqual({ deleted: [exported.id], failed: [] });
    expect(await rowStatuses(sql, vm.vmId)).toEqual(new Map());
    expect(await objectKeys(fx(), vm)).toEqual([]);
  });

  it("works through a backlog in batches of `limit`", async () => {
    const { sql, cp, clock } = fx();
    const vm = await createVm(sql, "SG");
    const exports = [];
    for (let i = 0; i < 5; i += 1) exports.push(await held(vm, "export", afterDays(1000 + i)));
    clock.now = afterDays(2000);
    expect((await sweepExpiredHolds(cp, { limit: 2 })).deleted).toEqual([exports[0]!.id, exports[1]!.id]);
    expect((await sweepExpiredHolds(cp, { limit: 2 })).deleted).toEqual([exports[2]!.id, exports[3]!.id]);
    expect((await sweepExpiredHolds(cp, { limit: 2 })).deleted).toEqual([exports[4]!.id]);
    expect(await objectKeys(fx(), vm)).toEqual([]);
  });
});

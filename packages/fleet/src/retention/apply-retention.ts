// Nightly retention for one VM, run after each successful nightly snapshot: plan with the GFS rule
// (7 daily + 4 weekly + 3 monthly, docs/retention.md) over the VM's completed nightlies, mark the rest
// 'deleting' in the same transaction, then delete objects and rows. Rows an earlier run left
// 'deleting' (a crash, a failed object delete) are finished too, so every run converges.
//
// Two runs for the same VM at once are harmless: every step is idempotent, and a plan made over fewer
// snapshots never removes one that a plan over more would keep (the rule is history-independent).
import { planGfsRetention } from "@nacre/core";
import type { GfsReason } from "@nacre/core";
import { listNightlySnapshots, markNightliesDeleting, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { deleteSnapshots } from "./delete-snapshots.ts";
import type { DeletionOutcome } from "./delete-snapshots.ts";

export interface RetentionOutcome extends DeletionOutcome {
  vmId: string;
  /** The completed nightlies the rule keeps, with the tier that keeps each. */
  kept: ReadonlyMap<string, GfsReason>;
}

/** Prunes one VM's nightly snapshots to the GFS rule; deletes only that VM's, never its newest. */
export async function applyRetention(cp: ControlPlane, vmId: string): Promise<RetentionOutcome> {
  const { kept, doomed } = await withServiceSession(cp.sql, async (tx) => {
    const rows = await listNightlySnapshots(tx, vmId);
    const completed = rows.filter((row) => row.status === "completed");
    const plan = planGfsRetention(completed.map((row) => ({ id: row.id, createdAt: row.createdAt })));
    const marked = new Set(await markNightliesDeleting(tx, vmId, plan.remove));
    return { kept: plan.reasons, doomed: rows.filter((row) => row.status === "deleting" || marked.has(row.id)) };
  });
  return { vmId, kept, ...(await deleteSnapshots(cp, doomed)) };
}

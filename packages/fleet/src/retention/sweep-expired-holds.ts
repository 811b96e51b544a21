// The sweep of held snapshots (final 90 days, export 7, pre-restore 30; core's holdUntil): those whose
// hold has ended are marked 'deleting', then their objects and rows go, as nightly retention does.
// One batch per call; a worker runs it periodically. Held snapshots left 'deleting' by an earlier
// sweep (a crash, a failed object delete) are finished as well.
import { expiredHolds } from "@nacre/core";
import { listHoldsToSweep, markHeldDeleting, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { deleteSnapshots } from "./delete-snapshots.ts";
import type { DeletionOutcome } from "./delete-snapshots.ts";

export interface SweepHoldsOptions {
  /** Snapshots looked at per call (expired ones, and again as many left 'deleting'). */
  limit?: number;
}

/** Deletes held snapshots whose hold has ended at cp.now(), and finishes deletions left half-done. */
export async function sweepExpiredHolds(cp: ControlPlane, options: SweepHoldsOptions = {}): Promise<DeletionOutcome> {
  const now = cp.now();
  const doomed = await withServiceSession(cp.sql, async (tx) => {
    const candidates = await listHoldsToSweep(tx, now, options.limit ?? 100);
    const completed = candidates.filter((row) => row.status === "completed");
    const marked = new Set(await markHeldDeleting(tx, expiredHolds(completed, now), now));
    return candidates.filter((row) => row.status === "deleting" || marked.has(row.id));
  });
  return deleteSnapshots(cp, doomed);
}

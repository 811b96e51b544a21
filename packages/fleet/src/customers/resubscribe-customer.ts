// Resubscribing within the 90 days: the plan is active again, the purge date is cleared and the
// delayed purge removed. The customer's newest snapshot (their final backup first) is recorded as a
// pending restore on the customer row. Nothing is restored here: the wish is bound to the customer's
// next freshly enrolled VM when its agent enrolls, and the workers' vm.initial-restore job restores it
// there through the restore path (restoreOntoFreshVm, docs/restore.md "Restore onto a fresh VM").
import { appendAudit, findCustomerPlan, markCustomerResubscribed, withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { CustomerLifecycleError } from "./lifecycle-errors.ts";

export interface ResubscribeCustomerDeps {
  sql: Sql;
  /** Removes the delayed purge of that cancellation (@nacre/jobs' lifecycleQueue provides it). */
  queue: { cancelPurge(customerId: string, purgeAt: Date): Promise<boolean> };
}

export interface CustomerResubscribed {
  customerId: string;
  /** The snapshot to restore onto the fresh VM (pending until its agent enrolls), if the customer has one. */
  restoreSnapshotId: string | undefined;
  /** False when the purge job was running at that moment; it then refuses, the plan being active. */
  purgeJobRemoved: boolean;
}

/** Reactivates a cancelled customer before their purge date; throws CustomerLifecycleError otherwise. */
export async function resubscribeCustomer(deps: ResubscribeCustomerDeps, customerId: string, now: Date): Promise<CustomerResubscribed> {
  const { purgeAt, restoreSnapshotId } = await withServiceSession(deps.sql, async (tx) => {
    const plan = await findCustomerPlan(tx, customerId, true);
    if (!plan) throw new CustomerLifecycleError("E_CUSTOMER_UNKNOWN", customerId);
    if (plan.planState === "purged") throw new CustomerLifecycleError("E_CUSTOMER_PURGED", customerId);
    if (plan.planState !== "cancelled" || !plan.purgeAt) throw new CustomerLifecycleError("E_NOT_CANCELLED", customerId);
    // The purge runs only once purge_at has passed, and resubscribing only before: the two never overlap.
    if (plan.purgeAt.getTime() <= now.getTime()) throw new CustomerLifecycleError("E_PURGE_DUE", customerId);
    const done = await markCustomerResubscribed(tx, customerId, now);
    if (!done) throw new CustomerLifecycleError("E_NOT_CANCELLED", customerId);
    await appendAudit(tx, {
      action: "customer.resubscribed", actorKind: "system", customerId,
      details: { cancelledPurgeAt: plan.purgeAt.toISOString(), restoreSnapshotId: done.restoreSnapshotId ?? null, restore: done.restoreSnapshotId ? "pending" : "nothing-to-restore" },
      ...(done.restoreSnapshotId ? { snapshotId: done.restoreSnapshotId } : {}),
    });
    return { purgeAt: plan.purgeAt, restoreSnapshotId: done.restoreSnapshotId };
  });
  const purgeJobRemoved = await deps.queue.cancelPurge(customerId, purgeAt);
  return { customerId, restoreSnapshotId, purgeJobRemoved };
}

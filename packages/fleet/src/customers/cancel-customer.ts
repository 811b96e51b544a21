// Cancellation: the plan becomes 'cancelled', the purge date is set 90 days out, and the purge is
// queued as a delayed job for that date (the daily purge sweep queues it again if this job is ever
// lost). Nightly backups stop for a cancelled customer (the nightly job skips them); what exists is
// kept until the purge. Cancelling twice changes nothing and re-queues the same job (same id).
import { appendAudit, findCustomerPlan, markCustomerCancelled, withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { CustomerLifecycleError, PURGE_AFTER_MS } from "./lifecycle-errors.ts";

export interface CancelCustomerDeps {
  sql: Sql;
  /** Queues customer.purge delayed until `purgeAt` by the queue's clock (@nacre/jobs' lifecycleQueue provides it). */
  queue: { schedulePurge(customerId: string, purgeAt: Date): Promise<void> };
}

export interface CustomerCancelled {
  customerId: string;
  cancelledAt: Date;
  purgeAt: Date;
}

/** Cancels the customer's plan at `now` and schedules the purge for now + 90 days. */
export async function cancelCustomer(deps: CancelCustomerDeps, customerId: string, now: Date): Promise<CustomerCancelled> {
  const cancelled = await withServiceSession(deps.sql, async (tx) => {
    const plan = await findCustomerPlan(tx, customerId, true);
    if (!plan) throw new CustomerLifecycleError("E_CUSTOMER_UNKNOWN", customerId);
    if (plan.planState === "purged") throw new CustomerLifecycleError("E_CUSTOMER_PURGED", customerId);
    if (plan.planState === "cancelled" && plan.cancelledAt && plan.purgeAt) return { customerId, cancelledAt: plan.cancelledAt, purgeAt: plan.purgeAt };
    const purgeAt = new Date(now.getTime() + PURGE_AFTER_MS);
    await markCustomerCancelled(tx, customerId, now, purgeAt);
    await appendAudit(tx, { action: "customer.cancelled", actorKind: "system", customerId, details: { purgeAt: purgeAt.toISOString() } });
    return { customerId, cancelledAt: now, purgeAt };
  });
  // After the commit: a job queued for a rollback would purge an active customer (it would refuse,
  // but still). If queuing fails the plan stays cancelled and the daily sweep queues the purge.
  await deps.queue.schedulePurge(customerId, cancelled.purgeAt);
  return cancelled;
}

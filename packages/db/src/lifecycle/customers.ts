// A customer's plan across cancellation, resubscription and the day-90 purge, as the control plane
// writes it (service role). The customers_cancel_dates check keeps the dates consistent with the
// plan: active has none, cancelled has cancelled_at and purge_at, purged has purged_at.
import type { TransactionSql } from "../connect.ts";

export type PlanState = "active" | "cancelled" | "purged";

export interface CustomerPlan {
  customerId: string;
  email: string;
  planState: PlanState;
  cancelledAt: Date | undefined;
  purgeAt: Date | undefined;
  purgedAt: Date | undefined;
}

/** The customer's plan, or undefined when there is no such customer; `forUpdate` locks the row. */
export async function findCustomerPlan(tx: TransactionSql, customerId: string, forUpdate = false): Promise<CustomerPlan | undefined> {
  const [row] = forUpdate
    ? await tx`select id, email, plan_state::text as plan_state, cancelled_at, purge_at, purged_at from public.customers where id = ${customerId} for update`
    : await tx`select id, email, plan_state::text as plan_state, cancelled_at, purge_at, purged_at from public.customers where id = ${customerId}`;
  if (!row) return undefined;
  return {
    customerId: row["id"] as string,
    email: row["email"] as string,
    planState: row["plan_state"] as PlanState,
    cancelledAt: (row["cancelled_at"] as Date | null) ?? undefined,
    purgeAt: (row["purge_at"] as Date | null) ?? undefined,
    purgedAt: (row["purged_at"] as Date | null) ?? undefined,
  };
}

/** active → cancelled with its purge date; false (nothing changed) unless the plan was active. */
export async function markCustomerCancelled(tx: TransactionSql, customerId: string, cancelledAt: Date, purgeAt: Date): Promise<boolean> {
  const rows = await tx`update public.customers set plan_state = 'cancelled', cancelled_at = ${cancelledAt}, purge_at = ${purgeAt},
      updated_at = ${cancelledAt}
    where id = ${customerId} and plan_state = 'active' returning id`;
  return rows.length > 0;
}

/**
 * cancelled → active, dates cleared, and the restore of the customer's newest completed snapshot
 * (a final backup first, else the newest of any kind) recorded as requested. Returns that snapshot's
 * id (undefined when there is none), or false when the plan was not cancelled.
 */
export async function markCustomerResubscribed(tx: TransactionSql, customerId: string, at: Date): Promise<{ restoreSnapshotId: string | undefined } | false> {
  const [snapshot] = await tx`select id from public.snapshots where customer_id = ${customerId} and status = 'completed'
    order by (kind = 'final') desc, created_at desc limit 1`;
  const restoreSnapshotId = (snapshot?.["id"] as string | undefined) ?? undefined;
  const rows = await tx`update public.customers set plan_state = 'active', cancelled_at = null, purge_at = null, updated_at = ${at},
      restore_requested_at = ${restoreSnapshotId === undefined ? null : at}, restore_snapshot_id = ${restoreSnapshotId ?? null},
      restore_vm_id = null, restore_failed_at = null, restore_error = null
    where id = ${customerId} and plan_state = 'cancelled' returning id`;
  return rows.length > 0 ? { restoreSnapshotId } : false;
}

/** Cancelled customers whose purge date has come, oldest first (the customers_purge_due index). */
export async function listPurgesDue(tx: TransactionSql, now: Date, limit: number): Promise<{ customerId: string; purgeAt: Date }[]> {
  const rows = await tx`select id, purge_at from public.customers
    where plan_state = 'cancelled' and purge_at <= ${now} order by purge_at limit ${limit}`;
  return rows.map((row) => ({ customerId: row["id"] as string, purgeAt: row["purge_at"] as Date }));
}

/** cancelled → purged; false when the customer was not cancelled (already purged, or resubscribed). */
export async function markCustomerPurged(tx: TransactionSql, customerId: string, at: Date): Promise<boolean> {
  const rows = await tx`update public.customers set plan_state = 'purged', purged_at = ${at}, updated_at = ${at},
      restore_requested_at = null, restore_snapshot_id = null, restore_vm_id = null, restore_failed_at = null, restore_error = null
    where id = ${customerId} and plan_state = 'cancelled' returning id`;
  return rows.length > 0;
}

/** Every snapshot row of the customer still present, whatever its status; marks them 'deleting' first. */
export async function markCustomerSnapshotsDeleting(tx: TransactionSql, customerId: string): Promise<number> {
  const rows = await tx`update public.snapshots set status = 'deleting' where customer_id = ${customerId} and status <> 'deleting' returning id`;
  return rows.length;
}

/** Deletes every snapshot row of the customer (after their objects are proven gone); returns how many. */
export async function deleteCustomerSnapshotRows(tx: TransactionSql, customerId: string): Promise<number> {
  const rows = await tx`delete from public.snapshots where customer_id = ${customerId} returning id`;
  return rows.length;
}

/** The customer's multipart uploads still open (a snapshot caught mid-flight by the purge). */
export async function listOpenUploads(tx: TransactionSql, customerId: string): Promise<{ id: string; bucket: string; objectKey: string; uploadId: string }[]> {
  const rows = await tx`select id, bucket, object_key, upload_id from public.snapshot_uploads
    where customer_id = ${customerId} and status = 'uploading'`;
  return rows.map((row) => ({ id: row["id"] as string, bucket: row["bucket"] as string, objectKey: row["object_key"] as string, uploadId: row["upload_id"] as string }));
}

/** Marks an open upload aborted (its multipart upload was aborted in the bucket). */
export async function markUploadAborted(tx: TransactionSql, uploadId: string, at: Date, reason: string): Promise<void> {
  await tx`update public.snapshot_uploads set status = 'aborted', error_code = 'E_PURGED', error = ${reason}, finished_at = ${at}
    where id = ${uploadId} and status = 'uploading'`;
}

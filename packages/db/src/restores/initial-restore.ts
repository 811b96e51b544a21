// The restore a customer asked for by resubscribing, from the database's side (docs/restore.md,
// "Restore onto a fresh VM"). resubscribeCustomer records the wish; the gateway binds it to the
// customer's next freshly enrolled VM inside the enrollment's transaction (so the enroll answer and the
// binding can never disagree); the workers carry it out and end it fulfilled or failed.
import type { TransactionSql } from "../connect.ts";

/** What the control plane tells a VM's agent about its initial restore. */
export type InitialRestoreState = "pending" | "none" | "failed";

export interface InitialRestoreStatus {
  state: InitialRestoreState;
  /** Why it failed (state "failed" only). */
  message?: string;
}

/** A wish bound to a VM, with what the workers need to decide how to carry it out. */
export interface BoundInitialRestore {
  customerId: string;
  vmId: string;
  planState: string;
  /** Undefined when the snapshot was deleted after the wish was recorded. */
  snapshotId: string | undefined;
  requestedAt: Date;
  failedAt: Date | undefined;
  error: string | undefined;
  vmStatus: string;
  enrolled: boolean;
  lastHeartbeatAt: Date | undefined;
  appStatus: string;
  /** Completed snapshots of the VM itself: a VM that has some has lived, and is not fresh any more. */
  vmSnapshots: number;
}

/**
 * Binds the customer's pending wish to this VM if the VM is fresh (this is its first enrollment) and no
 * other live VM holds it; a wish already bound to this VM stays bound (a re-enrollment with --force
 * during provisioning). Returns what the enroll answer tells the agent.
 */
export async function bindInitialRestore(tx: TransactionSql, vmId: string, firstEnrollment: boolean): Promise<InitialRestoreStatus> {
  const [row] = await tx`select c.id, c.restore_vm_id, c.restore_failed_at, c.restore_error,
      (c.restore_vm_id is not null and bound.status not in ('deleting', 'deleted')) as held_elsewhere
    from public.vms v join public.customers c on c.id = v.customer_id
      left join public.vms bound on bound.id = c.restore_vm_id
    where v.id = ${vmId} and c.plan_state = 'active' and c.restore_requested_at is not null
    for update of c`;
  if (!row) return { state: "none" };
  if (row["restore_vm_id"] === vmId) return statusOf(row);
  if (!firstEnrollment || row["held_elsewhere"] === true || row["restore_failed_at"] !== null) return { state: "none" };
  await tx`update public.customers set restore_vm_id = ${vmId}, updated_at = now() where id = ${row["id"] as string}`;
  return { state: "pending" };
}

/** The state of the VM's initial restore, for auth.ok: pending or failed only if the wish is bound to it. */
export async function initialRestoreStatus(tx: TransactionSql, vmId: string): Promise<InitialRestoreStatus> {
  const [row] = await tx`select restore_failed_at, restore_error from public.customers
    where restore_vm_id = ${vmId} and restore_requested_at is not null`;
  return row ? statusOf(row) : { state: "none" };
}

function statusOf(row: Record<string, unknown>): InitialRestoreStatus {
  return row["restore_failed_at"] === null ? { state: "pending" } : { state: "failed", message: row["restore_error"] as string };
}

/** Wishes bound to a VM and not given up, oldest first (the workers' sweep queues one job each). */
export async function listBoundInitialRestores(tx: TransactionSql, limit: number): Promise<{ customerId: string; vmId: string; requestedAt: Date }[]> {
  const rows = await tx`select id, restore_vm_id, restore_requested_at from public.customers
    where restore_vm_id is not null and restore_failed_at is null and restore_requested_at is not null
    order by restore_requested_at limit ${limit}`;
  return rows.map((r) => ({ customerId: r["id"] as string, vmId: r["restore_vm_id"] as string, requestedAt: r["restore_requested_at"] as Date }));
}

/** The wish bound to this VM, or undefined when none is (never bound, fulfilled, or unbound). */
export async function findBoundInitialRestore(tx: TransactionSql, vmId: string): Promise<BoundInitialRestore | undefined> {
  const [row] = await tx`select c.id, c.plan_state::text as plan_state, c.restore_snapshot_id, c.restore_requested_at, c.restore_failed_at,
      c.restore_error, v.status::text as vm_status, v.agent_sealing_key is not null as enrolled, v.last_heartbeat_at,
      v.app_status::text as app_status,
      (select count(*)::int from public.snapshots s where s.vm_id = v.id and s.status = 'completed') as vm_snapshots
    from public.customers c join public.vms v on v.id = c.restore_vm_id
    where c.restore_vm_id = ${vmId} and c.restore_requested_at is not null`;
  if (!row) return undefined;
  return {
    customerId: row["id"] as string,
    vmId,
    planState: row["plan_state"] as string,
    snapshotId: (row["restore_snapshot_id"] as string | null) ?? undefined,
    requestedAt: row["restore_requested_at"] as Date,
    failedAt: (row["restore_failed_at"] as Date | null) ?? undefined,
    error: (row["restore_error"] as string | null) ?? undefined,
    vmStatus: row["vm_status"] as string,
    enrolled: row["enrolled"] as boolean,
    lastHeartbeatAt: (row["last_heartbeat_at"] as Date | null) ?? undefined,
    appStatus: row["app_status"] as string,
    vmSnapshots: row["vm_snapshots"] as number,
  };
}

/** Clears the wish bound to this VM and records the restore that fulfilled it; false if it was not bound to it. */
export async function markInitialRestoreDone(tx: TransactionSql, vmId: string, restoreId: string, at: Date): Promise<boolean> {
  const rows = await tx`update public.customers set restore_snapshot_id = null, restore_requested_at = null, restore_vm_id = null,
      restore_failed_at = null, restore_error = null, restore_fulfilled_id = ${restoreId}, updated_at = ${at}
    where restore_vm_id = ${vmId} and restore_requested_at is not null returning id`;
  return rows.length > 0;
}

/** Gives the wish bound to this VM up, with the reason; false if it was not bound to it or already failed. */
export async function markInitialRestoreFailed(tx: TransactionSql, vmId: string, error: string, at: Date): Promise<boolean> {
  const rows = await tx`update public.customers set restore_failed_at = ${at}, restore_error = ${error}, updated_at = ${at}
    where restore_vm_id = ${vmId} and restore_requested_at is not null and restore_failed_at is null returning id`;
  return rows.length > 0;
}

/** Unbinds the wish from a VM that is being deleted, so the customer's next fresh VM gets it. */
export async function unbindInitialRestore(tx: TransactionSql, vmId: string): Promise<boolean> {
  const rows = await tx`update public.customers set restore_vm_id = null, updated_at = now()
    where restore_vm_id = ${vmId} and restore_requested_at is not null returning id`;
  return rows.length > 0;
}

/** Support's retry after a failure: the wish is pending again on the same VM (the sweep queues it). */
export async function rearmInitialRestore(tx: TransactionSql, vmId: string, at: Date): Promise<boolean> {
  const rows = await tx`update public.customers set restore_failed_at = null, restore_error = null, updated_at = ${at}
    where restore_vm_id = ${vmId} and restore_requested_at is not null and restore_failed_at is not null returning id`;
  return rows.length > 0;
}

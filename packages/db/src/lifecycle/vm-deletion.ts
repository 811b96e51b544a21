// A VM's deletion as the control plane records it: 'deleting' while the final backup is taken (no
// more nightlies, no exports), then ready to destroy once a final backup exists (or the newest nightly
// was held in its place). Provisioning destroys the machine only after deletion_ready_at is set.
import type { TransactionSql } from "../connect.ts";

export interface VmForDeletion {
  vmId: string;
  customerId: string;
  hostname: string;
  status: string;
  finalSnapshotId: string | undefined;
  deletionReadyAt: Date | undefined;
}

/** The VM's deletion facts, or undefined when there is no such VM. */
export async function findVmForDeletion(tx: TransactionSql, vmId: string): Promise<VmForDeletion | undefined> {
  const [row] = await tx`select id, customer_id, hostname, status::text as status, final_snapshot_id, deletion_ready_at
    from public.vms where id = ${vmId}`;
  if (!row) return undefined;
  return {
    vmId: row["id"] as string,
    customerId: row["customer_id"] as string,
    hostname: row["hostname"] as string,
    status: row["status"] as string,
    finalSnapshotId: (row["final_snapshot_id"] as string | null) ?? undefined,
    deletionReadyAt: (row["deletion_ready_at"] as Date | null) ?? undefined,
  };
}

/** active (or provisioning) → deleting; false when the VM is already deleting or deleted. */
export async function markVmDeleting(tx: TransactionSql, vmId: string): Promise<boolean> {
  const rows = await tx`update public.vms set status = 'deleting' where id = ${vmId} and status in ('provisioning', 'active') returning id`;
  return rows.length > 0;
}

/**
 * The fallback when no fresh final backup could be taken: the VM's newest completed nightly becomes
 * its final backup, held until `holdUntil`. Its kind changes to 'final' because only held kinds carry
 * a hold (snapshots_hold_only_for_held_kinds), and so that the holds sweep, not the nightly rotation,
 * decides when it goes. Returns the snapshot's id and when it was taken, or undefined when the VM has
 * no completed nightly.
 */
export async function holdNewestNightlyAsFinal(tx: TransactionSql, vmId: string, holdUntil: Date): Promise<{ snapshotId: string; createdAt: Date } | undefined> {
  const [row] = await tx`update public.snapshots set kind = 'final', hold_until = ${holdUntil}
    where id = (select id from public.snapshots where vm_id = ${vmId} and kind = 'nightly' and status = 'completed'
                order by created_at desc limit 1 for update)
    returning id, created_at`;
  return row ? { snapshotId: row["id"] as string, createdAt: row["created_at"] as Date } : undefined;
}

/** Records the final backup and marks the VM ready to destroy; false when it already was. */
export async function markVmDeletionReady(
  tx: TransactionSql,
  vmId: string,
  facts: { finalSnapshotId: string | undefined; note: string; at: Date },
): Promise<boolean> {
  const rows = await tx`update public.vms set final_snapshot_id = ${facts.finalSnapshotId ?? null}, final_note = ${facts.note},
      deletion_ready_at = ${facts.at}
    where id = ${vmId} and deletion_ready_at is null returning id`;
  return rows.length > 0;
}

// Deleting snapshots (nightly retention, expired holds) in three steps, each safe to repeat: mark the
// row 'deleting' (the dashboard lists completed snapshots only, so it disappears at once), delete the
// object, then delete the row. The row goes last so a snapshot is never forgotten while its object
// may still exist: a crash or a failed object delete leaves the row 'deleting', and the next run
// finds it and finishes the job. Only the control plane's service session calls these.
import type { TransactionSql } from "../connect.ts";
import type { Region, SnapshotKind } from "./snapshot-uploads.ts";

export interface SnapshotRecord {
  id: string;
  vmId: string;
  customerId: string;
  kind: SnapshotKind;
  status: "completed" | "deleting";
  region: Region;
  bucket: string;
  objectKey: string;
  createdAt: Date;
  holdUntil: Date | undefined;
}

const COLUMNS = ["id", "vm_id", "customer_id", "kind", "status", "region", "bucket", "object_key", "created_at", "hold_until"];

/** The VM's nightly snapshots retention deals with (completed, or left 'deleting'), newest first. */
export async function listNightlySnapshots(tx: TransactionSql, vmId: string): Promise<SnapshotRecord[]> {
  const rows = await tx`select ${tx(COLUMNS)} from public.snapshots
    where vm_id = ${vmId} and kind = 'nightly' and status in ('completed', 'deleting')
    order by created_at desc, id desc`;
  return rows.map(toRecord);
}

/**
 * Marks these completed nightly snapshots of the VM 'deleting' and returns the ids it marked. Ids of
 * another VM, of another kind or already on their way out are left alone, and so is the VM's newest
 * completed nightly, whatever the caller asked: the database enforces what retention promises.
 */
export async function markNightliesDeleting(tx: TransactionSql, vmId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx`update public.snapshots set status = 'deleting'
    where id = any(${[...ids]}::uuid[]) and vm_id = ${vmId} and kind = 'nightly' and status = 'completed'
      and created_at < (select max(created_at) from public.snapshots
                        where vm_id = ${vmId} and kind = 'nightly' and status = 'completed')
    returning id`;
  return rows.map((row) => row["id"] as string);
}

/**
 * Held snapshots (final, export, pre-restore) of any VM for the sweep: completed ones whose hold ended
 * at or before `now`, oldest hold first, and ones an earlier sweep left 'deleting'. At most `limit` each.
 * A snapshot a resubscribed customer is waiting to have restored is never swept while that wish is
 * pending: a final backup's hold counts from the VM's deletion, which may end before the fresh VM comes.
 */
export async function listHoldsToSweep(tx: TransactionSql, now: Date, limit: number): Promise<SnapshotRecord[]> {
  const expired = await tx`select ${tx(COLUMNS)} from public.snapshots
    where status = 'completed' and hold_until is not null and hold_until <= ${now} and not exists (select 1 from public.customers c where c.restore_snapshot_id = snapshots.id)
    order by hold_until limit ${limit}`;
  const stuck = await tx`select ${tx(COLUMNS)} from public.snapshots
    where status = 'deleting' and kind <> 'nightly'
    order by created_at limit ${limit}`;
  return [...expired, ...stuck].map(toRecord);
}

/** Marks these held snapshots 'deleting' if their hold still ends at or before `now` (support may have extended it). */
export async function markHeldDeleting(tx: TransactionSql, ids: readonly string[], now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx`update public.snapshots set status = 'deleting'
    where id = any(${[...ids]}::uuid[]) and kind <> 'nightly' and status = 'completed'
      and hold_until is not null and hold_until <= ${now} and not exists (select 1 from public.customers c where c.restore_snapshot_id = snapshots.id)
    returning id`;
  return rows.map((row) => row["id"] as string);
}

/** Deletes a 'deleting' row once its object is gone; false when there was no such row (already done). */
export async function deleteSnapshotRow(tx: TransactionSql, id: string): Promise<boolean> {
  const rows = await tx`delete from public.snapshots where id = ${id} and status = 'deleting' returning id`;
  return rows.length > 0;
}

function toRecord(row: Record<string, unknown>): SnapshotRecord {
  return {
    id: row["id"] as string,
    vmId: row["vm_id"] as string,
    customerId: row["customer_id"] as string,
    kind: row["kind"] as SnapshotKind,
    status: row["status"] as SnapshotRecord["status"],
    region: row["region"] as Region,
    bucket: row["bucket"] as string,
    objectKey: row["object_key"] as string,
    createdAt: row["created_at"] as Date,
    holdUntil: (row["hold_until"] as Date | null) ?? undefined,
  };
}

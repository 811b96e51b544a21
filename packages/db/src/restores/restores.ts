// The restores table from the control plane's side: runRestore opens a row (the service role writes
// it; the owner and support only read), moves it to running, records each step the agent reports and
// ends it succeeded, failed or rolled-back. `restores_one_in_flight` (a unique index over requested
// and running rows) is what makes "one restore in flight per VM" true under races.
import type { TransactionSql } from "../connect.ts";
import type { Region } from "../snapshots/snapshot-uploads.ts";

export type RestoreStatus = "requested" | "running" | "succeeded" | "failed" | "rolled-back";

export interface RestoreRecord {
  id: string;
  vmId: string;
  customerId: string;
  snapshotId: string | undefined;
  requestedBy: string | undefined;
  status: RestoreStatus;
  step: string | undefined;
  error: string | undefined;
  safetySnapshotId: string | undefined;
  createdAt: Date;
  finishedAt: Date | undefined;
}

/** A completed snapshot as a restore needs it: where the object is and which key wraps its data key. */
export interface RestorableSnapshot {
  id: string;
  vmId: string;
  customerId: string;
  status: string;
  region: Region;
  bucket: string;
  objectKey: string;
  sizeBytes: number | undefined;
  sha256: string | undefined;
  keyId: string;
  createdAt: Date;
}

export class RestoreInFlightError extends Error {
  override readonly name = "RestoreInFlightError";
  readonly code = "E_RESTORE_IN_FLIGHT";
  constructor(vmId: string, options?: ErrorOptions) {
    super(`E_RESTORE_IN_FLIGHT: a restore of VM ${vmId} is already requested or running — wait for it to end`, options);
  }
}

/** The snapshot row by id (any status), or undefined. */
export async function findSnapshotForRestore(tx: TransactionSql, snapshotId: string): Promise<RestorableSnapshot | undefined> {
  const [row] = await tx`select id, vm_id, customer_id, status::text as status, region::text as region, bucket, object_key,
      size_bytes, sha256, key_id, created_at
    from public.snapshots where id = ${snapshotId}`;
  if (!row) return undefined;
  return {
    id: row["id"] as string,
    vmId: row["vm_id"] as string,
    customerId: row["customer_id"] as string,
    status: row["status"] as string,
    region: row["region"] as Region,
    bucket: row["bucket"] as string,
    objectKey: row["object_key"] as string,
    sizeBytes: row["size_bytes"] === null ? undefined : Number(row["size_bytes"]),
    sha256: (row["sha256"] as string | null) ?? undefined,
    keyId: row["key_id"] as string,
    createdAt: row["created_at"] as Date,
  };
}

/** Opens a requested restore; throws RestoreInFlightError when the VM already has one in flight. */
export async function openRestore(
  tx: TransactionSql,
  input: { vmId: string; customerId: string; snapshotId: string; requestedBy?: string },
): Promise<string> {
  // A savepoint, so the unique violation does not abort the caller's transaction.
  try {
    const [row] = await tx.savepoint((sp) => sp`insert into public.restores (vm_id, customer_id, snapshot_id, requested_by)
      values (${input.vmId}, ${input.customerId}, ${input.snapshotId}, ${input.requestedBy ?? null}) returning id`);
    return row?.["id"] as string;
  } catch (error) {
    const e = error as { code?: string; constraint_name?: string };
    if (e.code === "23505" && e.constraint_name === "restores_one_in_flight") throw new RestoreInFlightError(input.vmId, { cause: error });
    throw error;
  }
}

/** The restore by id, or undefined. */
export async function findRestore(tx: TransactionSql, restoreId: string): Promise<RestoreRecord | undefined> {
  const [row] = await tx`select id, vm_id, customer_id, snapshot_id, requested_by, status::text as status, step, error,
      safety_snapshot_id, created_at, finished_at
    from public.restores where id = ${restoreId}`;
  if (!row) return undefined;
  return {
    id: row["id"] as string,
    vmId: row["vm_id"] as string,
    customerId: row["customer_id"] as string,
    snapshotId: (row["snapshot_id"] as string | null) ?? undefined,
    requestedBy: (row["requested_by"] as string | null) ?? undefined,
    status: row["status"] as RestoreStatus,
    step: (row["step"] as string | null) ?? undefined,
    error: (row["error"] as string | null) ?? undefined,
    safetySnapshotId: (row["safety_snapshot_id"] as string | null) ?? undefined,
    createdAt: row["created_at"] as Date,
    finishedAt: (row["finished_at"] as Date | null) ?? undefined,
  };
}

/** Records a step while the restore is in flight (and moves requested → running); false once it is final. */
export async function recordRestoreStep(
  tx: TransactionSql,
  restoreId: string,
  step: string,
  facts: { safetySnapshotId?: string } = {},
): Promise<boolean> {
  const rows = await tx`update public.restores set status = 'running', step = ${step},
      safety_snapshot_id = coalesce(${facts.safetySnapshotId ?? null}::uuid, safety_snapshot_id)
    where id = ${restoreId} and status in ('requested', 'running') returning id`;
  return rows.length > 0;
}

/** Ends the restore; a final restore is never changed again (false then). */
export async function finishRestore(
  tx: TransactionSql,
  restoreId: string,
  outcome: { status: "succeeded" | "failed" | "rolled-back"; step?: string; error?: string; at: Date },
): Promise<boolean> {
  const rows = await tx`update public.restores set status = ${outcome.status}, step = coalesce(${outcome.step ?? null}, step),
      error = ${outcome.error ?? null}, finished_at = ${outcome.at}
    where id = ${restoreId} and status in ('requested', 'running') returning id`;
  return rows.length > 0;
}

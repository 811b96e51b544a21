// In-flight managed snapshots. An upload row is opened when the control plane creates the multipart
// upload, and turns into a snapshots row only once the object is complete and its size checked; a
// failed or abandoned upload never appears as a snapshot. The agent's report is kept on the upload
// row, so repeating snapshot.start or snapshot.done for a finished snapshot gets the same answer.
import type { TransactionSql } from "../connect.ts";

export type Region = "SG" | "US" | "EU";
export type SnapshotKind = "nightly" | "export" | "final" | "pre-restore";

export interface SnapshotUpload {
  id: string;
  vmId: string;
  customerId: string;
  kind: SnapshotKind;
  region: Region;
  bucket: string;
  objectKey: string;
  keyId: string;
  uploadId: string;
  partSize: number;
  status: "uploading" | "completed" | "failed" | "aborted";
  sizeBytes: number | undefined;
  sha256: string | undefined;
  errorCode: string | undefined;
  error: string | undefined;
  expiresAt: Date;
}

export type OpenUploadInput = Omit<SnapshotUpload, "status" | "sizeBytes" | "sha256" | "errorCode" | "error"> & {
  holdUntil?: Date;
};

export class UploadConflictError extends Error {
  override readonly name = "UploadConflictError";
  readonly code = "E_SNAPSHOT_IN_FLIGHT";
  constructor(vmId: string) {
    super(`E_SNAPSHOT_IN_FLIGHT: VM ${vmId} is already uploading a snapshot — wait for it to finish or be swept`);
  }
}

/** Records a new in-flight upload; refuses a second one for the same VM. */
export async function openSnapshotUpload(tx: TransactionSql, input: OpenUploadInput): Promise<void> {
  try {
    await tx.savepoint((sp) => sp`insert into public.snapshot_uploads
      (id, vm_id, customer_id, kind, region, bucket, object_key, key_id, upload_id, part_size, hold_until, expires_at)
      values (${input.id}, ${input.vmId}, ${input.customerId}, ${input.kind}, ${input.region}, ${input.bucket},
              ${input.objectKey}, ${input.keyId}, ${input.uploadId}, ${input.partSize}, ${input.holdUntil ?? null}, ${input.expiresAt})`);
  } catch (error) {
    if ((error as { constraint_name?: string }).constraint_name === "snapshot_uploads_one_per_vm") throw new UploadConflictError(input.vmId);
    throw error;
  }
}

/** One upload by id, optionally locked for the rest of the transaction (completion and abort race). */
export async function findSnapshotUpload(tx: TransactionSql, id: string, options: { lock?: boolean } = {}): Promise<SnapshotUpload | undefined> {
  const [row] = options.lock
    ? await tx`select * from public.snapshot_uploads where id = ${id} for update`
    : await tx`select * from public.snapshot_uploads where id = ${id}`;
  return row ? toUpload(row) : undefined;
}

/** Turns a checked upload into a snapshot row (status completed) in the same transaction. */
export async function completeSnapshotUpload(
  tx: TransactionSql,
  id: string,
  report: { sizeBytes: number; sha256: string; partsCount: number },
  now: Date,
): Promise<void> {
  const [upload] = await tx`update public.snapshot_uploads set status = 'completed', size_bytes = ${report.sizeBytes},
      sha256 = ${report.sha256}, parts_count = ${report.partsCount}, finished_at = ${now}
    where id = ${id} and status = 'uploading' returning *`;
  if (!upload) throw new Error(`upload ${id} is not in flight; it cannot be completed`);
  await tx`insert into public.snapshots (id, vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes,
      sha256, key_id, created_at, completed_at, hold_until)
    values (${id}, ${upload["vm_id"]}, ${upload["customer_id"]}, ${upload["kind"]}, 'completed', ${upload["region"]},
      ${upload["bucket"]}, ${upload["object_key"]}, ${report.sizeBytes}, ${report.sha256}, ${upload["key_id"]},
      ${upload["created_at"]}, ${now}, ${upload["hold_until"]})`;
  await tx`update public.vms set last_backup_succeeded_at = ${now}, last_backup_error = null
    where id = ${upload["vm_id"]} and (last_backup_succeeded_at is null or last_backup_succeeded_at < ${now})`;
}

/** Marks an in-flight upload failed (the agent reported it) or aborted (swept); no snapshot row is made. */
export async function endSnapshotUpload(
  tx: TransactionSql,
  id: string,
  outcome: { status: "failed" | "aborted"; code: string; message: string },
  now: Date,
): Promise<boolean> {
  const rows = await tx`update public.snapshot_uploads set status = ${outcome.status}, error_code = ${outcome.code},
      error = ${outcome.message}, finished_at = ${now}
    where id = ${id} and status = 'uploading' returning id`;
  return rows.length > 0;
}

/** Uploads still in flight after their expiry: the sweeper aborts them. */
export async function listExpiredUploads(tx: TransactionSql, now: Date, limit = 100): Promise<SnapshotUpload[]> {
  const rows = await tx`select * from public.snapshot_uploads where status = 'uploading' and expires_at <= ${now}
    order by expires_at limit ${limit}`;
  return rows.map(toUpload);
}

function toUpload(row: Record<string, unknown>): SnapshotUpload {
  return {
    id: row["id"] as string,
    vmId: row["vm_id"] as string,
    customerId: row["customer_id"] as string,
    kind: row["kind"] as SnapshotKind,
    region: row["region"] as Region,
    bucket: row["bucket"] as string,
    objectKey: row["object_key"] as string,
    keyId: row["key_id"] as string,
    uploadId: row["upload_id"] as string,
    partSize: Number(row["part_size"]),
    status: row["status"] as SnapshotUpload["status"],
    sizeBytes: row["size_bytes"] === null ? undefined : Number(row["size_bytes"]),
    sha256: (row["sha256"] as string | null) ?? undefined,
    errorCode: (row["error_code"] as string | null) ?? undefined,
    error: (row["error"] as string | null) ?? undefined,
    expiresAt: row["expires_at"] as Date,
  };
}

// The exports table from the control plane's side: the dashboard's request opens a row (the service
// role writes it; customers only read theirs), the export.now job moves it to running, records the
// snapshot it took, and ends it emailed or failed. `exports_one_in_flight` (a unique index over
// queued and running rows) is what makes "one export in flight per VM" true under races.
import type { TransactionSql } from "../connect.ts";

export type ExportStatus = "queued" | "running" | "emailed" | "failed";

export interface ExportRecord {
  id: string;
  vmId: string;
  customerId: string;
  requestedBy: string;
  status: ExportStatus;
  snapshotId: string | undefined;
  emailTo: string | undefined;
  emailSentAt: Date | undefined;
  emailId: string | undefined;
  linkExpiresAt: Date | undefined;
  error: string | undefined;
}

export class ExportInFlightError extends Error {
  override readonly name = "ExportInFlightError";
  readonly code = "E_EXPORT_IN_FLIGHT";
  constructor(vmId: string, options?: ErrorOptions) {
    super(`E_EXPORT_IN_FLIGHT: an export of VM ${vmId} is already queued or running`, options);
  }
}

/** Opens a queued export; throws ExportInFlightError when the VM already has one queued or running. */
export async function openExport(
  tx: TransactionSql,
  input: { vmId: string; customerId: string; requestedBy: string; emailTo: string },
): Promise<string> {
  // A savepoint, so the unique violation does not abort the caller's transaction.
  try {
    const [row] = await tx.savepoint((sp) => sp`insert into public.exports (vm_id, customer_id, requested_by, email_to)
      values (${input.vmId}, ${input.customerId}, ${input.requestedBy}, ${input.emailTo}) returning id`);
    return row?.["id"] as string;
  } catch (error) {
    const e = error as { code?: string; constraint_name?: string };
    if (e.code === "23505" && e.constraint_name === "exports_one_in_flight") throw new ExportInFlightError(input.vmId, { cause: error });
    throw error;
  }
}

/** The export with its tenant, or undefined when there is no such row. */
export async function findExport(tx: TransactionSql, exportId: string): Promise<ExportRecord | undefined> {
  const [row] = await tx`select id, vm_id, customer_id, requested_by, status::text as status, snapshot_id, email_to, email_sent_at,
      email_id, link_expires_at, error
    from public.exports where id = ${exportId}`;
  if (!row) return undefined;
  return {
    id: row["id"] as string,
    vmId: row["vm_id"] as string,
    customerId: row["customer_id"] as string,
    requestedBy: row["requested_by"] as string,
    status: row["status"] as ExportStatus,
    snapshotId: (row["snapshot_id"] as string | null) ?? undefined,
    emailTo: (row["email_to"] as string | null) ?? undefined,
    emailSentAt: (row["email_sent_at"] as Date | null) ?? undefined,
    emailId: (row["email_id"] as string | null) ?? undefined,
    linkExpiresAt: (row["link_expires_at"] as Date | null) ?? undefined,
    error: (row["error"] as string | null) ?? undefined,
  };
}

/** Queued → running (a retry finds it running already); false when the export is already final. */
export async function markExportRunning(tx: TransactionSql, exportId: string): Promise<boolean> {
  const rows = await tx`update public.exports set status = 'running'
    where id = ${exportId} and status in ('queued', 'running') returning id`;
  return rows.length > 0;
}

/** The export's snapshot is complete: a retry after this point sends the email and takes no second snapshot. */
export async function recordExportSnapshot(tx: TransactionSql, exportId: string, snapshotId: string): Promise<void> {
  await tx`update public.exports set snapshot_id = ${snapshotId} where id = ${exportId} and snapshot_id is null`;
}

/** The email went out: the export is done. */
export async function recordExportEmailed(
  tx: TransactionSql,
  exportId: string,
  facts: { emailId: string; linkExpiresAt: Date; at: Date },
): Promise<void> {
  await tx`update public.exports set status = 'emailed', email_id = ${facts.emailId}, email_sent_at = ${facts.at},
      link_expires_at = ${facts.linkExpiresAt}, finished_at = ${facts.at}, error = null
    where id = ${exportId} and status in ('queued', 'running')`;
}

/** The export failed for good; `error` is in the customer's words. */
export async function recordExportFailed(tx: TransactionSql, exportId: string, error: string, at: Date): Promise<void> {
  await tx`update public.exports set status = 'failed', error = ${error}, finished_at = ${at}
    where id = ${exportId} and status in ('queued', 'running')`;
}

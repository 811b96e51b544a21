// export.now: a fresh 'export' snapshot of the VM (held 7 days), a pre-signed GET valid 24 hours,
// emailed to the account address. The export row is the job's memory: its snapshot is recorded the
// moment it completes (a retry then only sends the email), and an export already emailed or failed
// makes the job a no-op (idempotent on the job id, which is the export id). The last failed attempt
// marks the export failed, in the customer's words.
import { describeFailure, holdUntil } from "@nacre/core";
import { appendAudit, findExport, markExportRunning, recordExportEmailed, recordExportFailed, recordExportSnapshot, withServiceSession } from "@nacre/db";
import { ExportNowPayload } from "@nacre/jobs";
import { exportEmail } from "../exports/export-email.ts";
import { lastSnapshotBytes } from "../nightly/night-records.ts";
import { runCountedSnapshot } from "../snapshots/run-counted-snapshot.ts";
import type { HandlerContext } from "../worker-deps.ts";

/** How long the emailed link works. */
export const EXPORT_LINK_SECONDS = 24 * 60 * 60;
const FIRST_SNAPSHOT_EXPECTED_BYTES = 1024 ** 3;

export type ExportResult =
  | { outcome: "emailed"; snapshotId: string; emailId: string }
  | { outcome: "failed"; reason: string }
  | { outcome: "already-final"; status: string }
  | { outcome: "skipped"; reason: "export-unknown" };

export class ExportAttemptError extends Error {
  override readonly name = "ExportAttemptError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export async function handle(payload: unknown, ctx: HandlerContext): Promise<ExportResult> {
  const { exportId } = ExportNowPayload.parse(payload);
  const { cp, log } = ctx;
  const record = await withServiceSession(cp.sql, (tx) => findExport(tx, exportId));
  if (!record) return { outcome: "skipped", reason: "export-unknown" };
  if (record.status === "emailed" || record.status === "failed") return { outcome: "already-final", status: record.status };
  // The tenant and the address come from the rows, never from the payload.
  const [vm] = await withServiceSession(cp.sql, (tx) => tx`select v.hostname, v.status::text as status, c.email
    from public.vms v join public.customers c on c.id = v.customer_id where v.id = ${record.vmId} and v.customer_id = ${record.customerId}`);
  const facts = { jobId: ctx.job.id, exportId, vmId: record.vmId };
  const final = ctx.job.attemptsMade + 1 >= ctx.job.attempts;
  const fail = async (reason: string): Promise<ExportResult> => {
    await withServiceSession(cp.sql, async (tx) => {
      await recordExportFailed(tx, exportId, reason, cp.now());
      await appendAudit(tx, { action: "export.failed", actorKind: "service", customerId: record.customerId, vmId: record.vmId, details: { exportId, reason } });
    });
    log({ level: "error", message: "export failed", ...facts, reason });
    return { outcome: "failed", reason };
  };
  if (!vm || vm["status"] === "deleted") return fail("This server has been deleted, so it could not be exported.");
  await withServiceSession(cp.sql, (tx) => markExportRunning(tx, exportId));

  let snapshotId = record.snapshotId;
  if (snapshotId === undefined) {
    const expectedBytes = (await lastSnapshotBytes(cp.sql, record.vmId)) ?? FIRST_SNAPSHOT_EXPECTED_BYTES;
    const outcome = await runCountedSnapshot(ctx, { vmId: record.vmId, kind: "export", expectedBytes, holdUntil: holdUntil("export", cp.now()) as Date });
    if (!outcome.ok) {
      log({ level: final ? "error" : "warn", message: final ? "export snapshot failed" : "export snapshot failed; will retry", ...facts, code: outcome.code, detail: outcome.message });
      if (final) return fail(`The export could not be made. ${withoutRetryPromise(describeFailure(outcome.code))} Please ask for a new export from your dashboard.`);
      throw new ExportAttemptError(outcome.code, outcome.message);
    }
    snapshotId = outcome.snapshotId;
    await withServiceSession(cp.sql, (tx) => recordExportSnapshot(tx, exportId, outcome.snapshotId));
  }

  const [snapshot] = await withServiceSession(cp.sql, (tx) => tx`select bucket, object_key, size_bytes, sha256, created_at
    from public.snapshots where id = ${snapshotId} and status = 'completed'`);
  if (!snapshot) return fail("The export's file is no longer available. Please ask for a new export from your dashboard.");
  const now = cp.now();
  const linkExpiresAt = new Date(now.getTime() + EXPORT_LINK_SECONDS * 1000);
  const takenAt = (snapshot["created_at"] as Date).toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const url = await cp.signer.presignGetObject(snapshot["bucket"] as string, snapshot["object_key"] as string, EXPORT_LINK_SECONDS, {
    downloadName: `${vm["hostname"] as string}-${takenAt}Z.nacre`,
  });
  const email = exportEmail({
    exportId, to: vm["email"] as string, hostname: vm["hostname"] as string, url, linkExpiresAt,
    sizeBytes: Number(snapshot["size_bytes"]), sha256: snapshot["sha256"] as string,
  });
  let emailId: string;
  try {
    emailId = await ctx.mailer.send(email);
  } catch (error) {
    log({ level: final ? "error" : "warn", message: "export email not sent", ...facts, error: String(error) });
    if (final) return fail("The export was made but the email with its download link could not be sent. Please ask for a new export from your dashboard.");
    throw new ExportAttemptError("E_EMAIL_SEND", String(error));
  }
  await withServiceSession(cp.sql, async (tx) => {
    await recordExportEmailed(tx, exportId, { emailId, linkExpiresAt, at: cp.now() });
    await appendAudit(tx, {
      action: "export.emailed", actorKind: "service", customerId: record.customerId, vmId: record.vmId, snapshotId,
      details: { exportId, emailId, linkExpiresAt: linkExpiresAt.toISOString() },
    });
  });
  log({ level: "info", message: "export emailed", ...facts, snapshotId, emailId });
  return { outcome: "emailed", snapshotId, emailId };
}

/** The nightly words promise an automatic retry; a failed export is not retried, so that promise goes. */
function withoutRetryPromise(words: string): string {
  return words.replace(/ We try again automatically\./, "").replace(/; we try again automatically\./, ".");
}

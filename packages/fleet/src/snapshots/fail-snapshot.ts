// The agent could not finish (or the sweeper gave up on it): abort the multipart upload so no parts
// linger in the bucket, and close the upload row with the reason. No snapshot row is ever made.
import { endSnapshotUpload, findSnapshotUpload, listExpiredUploads, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { SnapshotReportError } from "./snapshot-outcome.ts";
import type { SnapshotOutcome } from "./snapshot-outcome.ts";

/** Records the agent's failure report for its own upload and aborts the upload. */
export async function failSnapshot(
  cp: ControlPlane,
  vmId: string,
  report: { snapshotId: string; code: string; message: string },
): Promise<SnapshotOutcome> {
  return withServiceSession(cp.sql, async (tx) => {
    const upload = await findSnapshotUpload(tx, report.snapshotId, { lock: true });
    if (!upload) throw new SnapshotReportError("E_UPLOAD_UNKNOWN", `no upload ${report.snapshotId} exists`);
    if (upload.vmId !== vmId) throw new SnapshotReportError("E_UPLOAD_NOT_YOURS", `upload ${report.snapshotId} belongs to another VM`);
    if (upload.status === "uploading") {
      await cp.signer.abortMultipartUpload(upload.bucket, upload.objectKey, upload.uploadId);
      await endSnapshotUpload(tx, upload.id, { status: "failed", code: report.code, message: report.message }, cp.now());
      await tx`update public.vms set last_backup_error = ${report.message} where id = ${vmId}`;
    }
    return { ok: false, snapshotId: upload.id, code: upload.errorCode ?? report.code, message: upload.error ?? report.message };
  });
}

/** Aborts every upload still open after its expiry (an agent that died mid-upload); returns how many. */
export async function sweepExpiredUploads(cp: ControlPlane): Promise<number> {
  const now = cp.now();
  let swept = 0;
  for (;;) {
    const batch = await withServiceSession(cp.sql, (tx) => listExpiredUploads(tx, now, 100));
    if (batch.length === 0) return swept;
    for (const upload of batch) {
      await cp.signer.abortMultipartUpload(upload.bucket, upload.objectKey, upload.uploadId);
      await withServiceSession(cp.sql, (tx) =>
        endSnapshotUpload(tx, upload.id, { status: "aborted", code: "E_UPLOAD_EXPIRED", message: "the agent did not finish the upload in time" }, now),
      );
      swept++;
    }
  }
}

// The agent says it is done: complete the multipart upload, check the object's size with a HEAD, and
// only then record the snapshot. Any failure aborts the upload (or deletes a completed object whose
// size is wrong), so nothing half-written is ever listed. Reporting done twice gets the same answer.
import { completeSnapshotUpload, endSnapshotUpload, findSnapshotUpload, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { SnapshotReportError } from "./snapshot-outcome.ts";
import type { SnapshotOutcome } from "./snapshot-outcome.ts";

export interface DoneReport {
  snapshotId: string;
  size: number;
  sha256: string;
  parts: { number: number; etag: string }[];
}

/** Completes, checks and records the VM's upload; returns the outcome to publish. */
export async function finishSnapshot(cp: ControlPlane, vmId: string, report: DoneReport): Promise<SnapshotOutcome> {
  return withServiceSession(cp.sql, async (tx) => {
    const upload = await findSnapshotUpload(tx, report.snapshotId, { lock: true });
    if (!upload) throw new SnapshotReportError("E_UPLOAD_UNKNOWN", `no upload ${report.snapshotId} exists`);
    if (upload.vmId !== vmId) throw new SnapshotReportError("E_UPLOAD_NOT_YOURS", `upload ${report.snapshotId} belongs to another VM`);
    const done = { snapshotId: upload.id, objectKey: upload.objectKey, bucket: upload.bucket };
    if (upload.status === "completed") {
      return { ok: true, ...done, sizeBytes: upload.sizeBytes ?? report.size, sha256: upload.sha256 ?? report.sha256 };
    }
    if (upload.status !== "uploading") {
      return { ok: false, snapshotId: upload.id, code: upload.errorCode ?? "E_UPLOAD_CLOSED", message: upload.error ?? `the upload is ${upload.status}` };
    }

    const fail = async (code: string, message: string, objectExists: boolean): Promise<SnapshotOutcome> => {
      if (objectExists) await cp.signer.deleteObject(upload.bucket, upload.objectKey).catch(() => {});
      else await cp.signer.abortMultipartUpload(upload.bucket, upload.objectKey, upload.uploadId).catch(() => {});
      await endSnapshotUpload(tx, upload.id, { status: "failed", code, message }, cp.now());
      return { ok: false, snapshotId: upload.id, code, message };
    };

    // Parts 1..n, every one but the last exactly partSize: so n is fixed by the size.
    const numbered = report.parts.every((p, i) => p.number === i + 1);
    const expectedParts = Math.max(1, Math.ceil(report.size / upload.partSize));
    if (!numbered || report.parts.length !== expectedParts) {
      return fail("E_REPORT_INCONSISTENT", "the agent's part list does not add up to the reported size", false);
    }
    try {
      await cp.signer.completeMultipartUpload(upload.bucket, upload.objectKey, upload.uploadId, report.parts);
    } catch (error) {
      return fail("E_COMPLETE_FAILED", `completing the upload failed: ${(error as Error).message}`, false);
    }
    let head: Awaited<ReturnType<typeof cp.signer.headObject>>;
    try {
      head = await cp.signer.headObject(upload.bucket, upload.objectKey);
    } catch (error) {
      // The object now exists but could not be checked: remove it rather than leave an orphan no
      // row points to (the sweeper only aborts multipart uploads, and this one is complete).
      return fail("E_HEAD_FAILED", `checking the stored object failed: ${(error as Error).message}`, true);
    }
    if (!head || head.size !== report.size) {
      return fail("E_SIZE_MISMATCH", `the stored object is ${head?.size ?? "missing"} bytes, the agent reported ${report.size}`, head !== undefined);
    }
    await completeSnapshotUpload(tx, upload.id, { sizeBytes: report.size, sha256: report.sha256, partsCount: report.parts.length }, cp.now());
    return { ok: true, ...done, sizeBytes: report.size, sha256: report.sha256 };
  });
}

// An agent asks for pre-signed UploadPart URLs as it goes. Only the VM that owns the in-flight upload
// gets them, only for that one object, and only while the upload is open.
import { findSnapshotUpload, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { PART_URL_LIFETIME_SECONDS } from "../control-plane.ts";
import { SnapshotReportError } from "./snapshot-outcome.ts";

const MAX_PART_NUMBER = 10_000;

/** URLs for parts fromPart..fromPart+count-1 of the VM's open upload `snapshotId`. */
export async function presignParts(
  cp: ControlPlane,
  vmId: string,
  request: { snapshotId: string; fromPart: number; count: number },
): Promise<{ parts: { number: number; url: string }[]; expiresAt: Date }> {
  const upload = await withServiceSession(cp.sql, (tx) => findSnapshotUpload(tx, request.snapshotId));
  if (!upload) throw new SnapshotReportError("E_UPLOAD_UNKNOWN", `no upload ${request.snapshotId} exists`);
  // Same answer as for an unknown id would leak less, but the agent is authenticated: be precise.
  if (upload.vmId !== vmId) throw new SnapshotReportError("E_UPLOAD_NOT_YOURS", `upload ${request.snapshotId} belongs to another VM`);
  if (upload.status !== "uploading") throw new SnapshotReportError("E_UPLOAD_CLOSED", `upload ${request.snapshotId} is ${upload.status}`);
  const last = request.fromPart + request.count - 1;
  if (request.fromPart < 1 || request.count < 1 || last > MAX_PART_NUMBER) {
    throw new SnapshotReportError("E_PART_RANGE", `parts ${request.fromPart}..${last} are outside 1..${MAX_PART_NUMBER}`);
  }
  const numbers = Array.from({ length: request.count }, (_, i) => request.fromPart + i);
  const parts = await cp.signer.presignUploadParts(upload.bucket, upload.objectKey, upload.uploadId, numbers, PART_URL_LIFETIME_SECONDS);
  return { parts, expiresAt: new Date(cp.now().getTime() + PART_URL_LIFETIME_SECONDS * 1000) };
}

// The control plane's half of starting a managed snapshot: a fresh data key wrapped under the
// customer key, a multipart upload opened in the region's bucket, the upload recorded, and a grant
// sealed to the agent's X25519 key and signed. The result is the snapshot.start command to send;
// the agent never sees K_cust and never holds bucket credentials.
import { randomUUID } from "node:crypto";
import { generateDataKey, importPublicKey, issueGrant, wrapDataKey } from "@nacre/core";
import type { SnapshotKind } from "@nacre/db";
import { customerKeyForNewSnapshot, findAgentIdentity, openSnapshotUpload, withServiceSession } from "@nacre/db";
import { encodeMessage } from "@nacre/protocol";
import { choosePartSize } from "@nacre/storage";
import type { ControlPlane } from "../control-plane.ts";
import { UPLOAD_LIFETIME_MS } from "../control-plane.ts";

export class SnapshotStartError extends Error {
  override readonly name = "SnapshotStartError";
  readonly code: "E_VM_UNKNOWN" | "E_VM_NOT_ENROLLED";
  constructor(code: SnapshotStartError["code"], message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export interface StartSnapshotInput {
  vmId: string;
  kind: SnapshotKind;
  /** About how much the agent will upload, to choose one part size that stays under 10,000 parts. */
  expectedBytes: number;
  holdUntil?: Date;
}

export interface StartedSnapshot {
  snapshotId: string;
  objectKey: string;
  bucket: string;
  /** The encoded snapshot.start frame; its id (the idempotency key) is the snapshot id. */
  frame: string;
}

/** Opens the upload and prepares the snapshot.start command for one VM. */
export async function startSnapshot(cp: ControlPlane, input: StartSnapshotInput): Promise<StartedSnapshot> {
  const now = cp.now();
  const snapshotId = randomUUID();
  return withServiceSession(cp.sql, async (tx) => {
    const vm = await findAgentIdentity(tx, input.vmId);
    if (!vm || vm.status === "deleted") throw new SnapshotStartError("E_VM_UNKNOWN", `VM ${input.vmId} does not exist`);
    if (!vm.sealingKey) throw new SnapshotStartError("E_VM_NOT_ENROLLED", `VM ${input.vmId} has no enrolled agent`);

    const { keyId, key } = await customerKeyForNewSnapshot(tx, vm.customerId);
    const dataKey = generateDataKey();
    const wrappedKey = wrapDataKey(key, dataKey);
    key.fill(0);

    const bucket = cp.buckets[vm.region];
    const objectKey = `${vm.customerId}/${vm.vmId}/${now.toISOString()}-${input.kind}.nacre`;
    // Twice the expected size keeps a snapshot under 5,000 parts: the agent's done report lists every
    // part, and one protocol frame holds about 8,000 (docs/protocol.md), not the 10,000 S3 allows.
    const partSize = choosePartSize(input.expectedBytes * 2);
    const uploadId = await cp.signer.createMultipartUpload(bucket, objectKey, { contentType: "application/vnd.nacre.snapshot" });
    const expiresAt = new Date(now.getTime() + UPLOAD_LIFETIME_MS);
    try {
      await openSnapshotUpload(tx, {
        id: snapshotId, vmId: vm.vmId, customerId: vm.customerId, kind: input.kind, region: vm.region,
        bucket, objectKey, keyId, uploadId, partSize, expiresAt, ...(input.holdUntil ? { holdUntil: input.holdUntil } : {}),
      });
    } catch (error) {
      await cp.signer.abortMultipartUpload(bucket, objectKey, uploadId).catch(() => {});
      throw error;
    }

    const grant = issueGrant(
      {
        purpose: "snapshot", vmId: vm.vmId, snapshotId, keyId, expiresAt: expiresAt.getTime(), dataKey, wrappedKey,
        agentPublicKey: importPublicKey(vm.sealingKey.toString("base64url"), "x25519"),
      },
      cp.grantSigningKey,
    );
    dataKey.fill(0);
    const frame = encodeMessage("snapshot.start", snapshotId, {
      snapshotId, kind: input.kind, objectKey, region: vm.region, partSize, grant,
    });
    return { snapshotId, objectKey, bucket, frame };
  });
}

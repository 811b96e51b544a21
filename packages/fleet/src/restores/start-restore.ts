// The control plane's half of starting a restore, in two steps because a safety snapshot runs in
// between: startRestore checks that the snapshot may be restored onto the VM and records the request
// (a refusal costs nothing, not even the safety snapshot); prepareRestoreCommand then builds the
// restore.start command: the snapshot's data key, unwrapped here with K_cust and sealed to the VM's
// X25519 key in a "restore" grant, and a pre-signed GET URL for the object. The agent never sees
// K_cust and never holds bucket credentials.
import { importPublicKey, issueGrant, unwrapDataKey } from "@nacre/core";
import {
  appendAudit, customerKeyById, findAgentIdentity, findRestore, findSnapshotForRestore, openRestore, RestoreInFlightError,
  withServiceSession,
} from "@nacre/db";
import type { RestorableSnapshot } from "@nacre/db";
import { encodeMessage } from "@nacre/protocol";
import type { ControlPlane } from "../control-plane.ts";
import { RestoreStartError } from "./restore-errors.ts";
import { fetchHeader, keyChecks, readKeySlot } from "./read-key-slot.ts";

/** The download URL and the grant stay valid this long: a restore of a large /data over a slow link. */
export const RESTORE_URL_LIFETIME_SECONDS = 2 * 60 * 60;

export interface StartRestoreInput {
  vmId: string;
  snapshotId: string;
  /** The support user who asked (auth.users id); the audit log's actor. */
  requestedBy?: string;
  /** Why the restore runs, for the audit log: `support` (default) or `resubscribe` (onto a fresh VM). */
  trigger?: "support" | "resubscribe";
}

export interface StartedRestore {
  restoreId: string;
  vmId: string;
  customerId: string;
  hostname: string;
  snapshot: RestorableSnapshot & { sizeBytes: number; sha256: string };
}

/** Checks and records a restore request; throws RestoreStartError when it is refused. */
export async function startRestore(cp: ControlPlane, input: StartRestoreInput): Promise<StartedRestore> {
  return withServiceSession(cp.sql, async (tx) => {
    const vm = await findAgentIdentity(tx, input.vmId);
    if (!vm || vm.status === "deleted") throw new RestoreStartError("E_VM_UNKNOWN", `VM ${input.vmId} does not exist`);
    if (!vm.sealingKey) throw new RestoreStartError("E_VM_NOT_ENROLLED", `VM ${input.vmId} has no enrolled agent to restore onto`);
    const snapshot = await findSnapshotForRestore(tx, input.snapshotId);
    if (!snapshot) throw new RestoreStartError("E_SNAPSHOT_UNKNOWN", `snapshot ${input.snapshotId} does not exist`);
    if (snapshot.customerId !== vm.customerId) {
      throw new RestoreStartError("E_SNAPSHOT_NOT_YOURS", `snapshot ${input.snapshotId} belongs to another customer than VM ${input.vmId}; a restore never crosses customers`);
    }
    if (snapshot.status !== "completed" || snapshot.sizeBytes === undefined || snapshot.sha256 === undefined) {
      throw new RestoreStartError("E_SNAPSHOT_NOT_COMPLETED", `snapshot ${input.snapshotId} is ${snapshot.status}, not completed — pick a completed snapshot`);
    }
    let restoreId: string;
    try {
      restoreId = await openRestore(tx, { vmId: vm.vmId, customerId: vm.customerId, snapshotId: snapshot.id, ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}) });
    } catch (error) {
      if (error instanceof RestoreInFlightError) throw new RestoreStartError("E_RESTORE_IN_FLIGHT", error.message.replace(/^E_RESTORE_IN_FLIGHT: /, ""), { cause: error });
      throw error;
    }
    await appendAudit(tx, {
      action: "restore.requested", actorKind: input.requestedBy ? "support" : "service", ...(input.requestedBy ? { actorId: input.requestedBy } : {}),
      customerId: vm.customerId, vmId: vm.vmId, snapshotId: snapshot.id, details: { restoreId, snapshotCreatedAt: snapshot.createdAt.toISOString(), trigger: input.trigger ?? "support" },
    });
    return {
      restoreId, vmId: vm.vmId, customerId: vm.customerId, hostname: vm.hostname,
      snapshot: { ...snapshot, sizeBytes: snapshot.sizeBytes, sha256: snapshot.sha256 },
    };
  });
}

/** The encoded restore.start frame for a recorded restore; its id (the idempotency key) is the restore id. */
export async function prepareRestoreCommand(cp: ControlPlane, started: StartedRestore): Promise<string> {
  const { snapshot } = started;
  const now = cp.now();
  const downloadUrl = await cp.signer.presignGetObject(snapshot.bucket, snapshot.objectKey, RESTORE_URL_LIFETIME_SECONDS);
  const slot = readKeySlot(await fetchHeader(downloadUrl));
  // The row's key id was chosen by the control plane; the header's was written by the agent. They must agree,
  // or a header could make the control plane unwrap under some other customer's key.
  if (slot.keyId !== snapshot.keyId) {
    throw new RestoreStartError("E_SNAPSHOT_HEADER", `the snapshot's header names key ${slot.keyId}, but the snapshot was recorded under ${snapshot.keyId}`);
  }
  return withServiceSession(cp.sql, async (tx) => {
    const restore = await findRestore(tx, started.restoreId);
    if (!restore || restore.vmId !== started.vmId) throw new RestoreStartError("E_RESTORE_UNKNOWN", `restore ${started.restoreId} is not recorded for VM ${started.vmId}`);
    const vm = await findAgentIdentity(tx, started.vmId);
    if (!vm?.sealingKey) throw new RestoreStartError("E_VM_NOT_ENROLLED", `VM ${started.vmId} has no enrolled agent to restore onto`);
    const { key } = await customerKeyById(tx, snapshot.keyId);
    let dataKey: Uint8Array;
    try {
      dataKey = unwrapDataKey(key, slot.wrappedKey);
    } catch (error) {
      throw new RestoreStartError("E_SNAPSHOT_KEY", "the snapshot's wrapped data key does not unwrap under the customer key — the header is damaged", { cause: error });
    } finally {
      key.fill(0);
    }
    try {
      if (!keyChecks(slot, dataKey)) throw new RestoreStartError("E_SNAPSHOT_KEY", "the unwrapped data key fails the header's key check — the header is damaged");
      const grant = issueGrant(
        {
          purpose: "restore", vmId: vm.vmId, snapshotId: snapshot.id, keyId: snapshot.keyId,
          expiresAt: now.getTime() + RESTORE_URL_LIFETIME_SECONDS * 1000, dataKey, wrappedKey: slot.wrappedKey,
          agentPublicKey: importPublicKey(vm.sealingKey.toString("base64url"), "x25519"),
        },
        cp.grantSigningKey,
      );
      return encodeMessage("restore.start", started.restoreId, {
        restoreId: started.restoreId, snapshotId: snapshot.id, downloadUrl, size: snapshot.sizeBytes, sha256: snapshot.sha256, grant,
      });
    } finally {
      dataKey.fill(0);
    }
  });
}

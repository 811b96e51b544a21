// The support console's restores, second half: the console records the request (startRestore, in the
// support engineer's own request, so refusals are immediate) and queues restore.run; the worker calls
// this with the restore's id. Only a restore still `requested` is carried on, so a job delivered twice
// (or retried after a worker crash) never sends restore.start again for a restore already under way.
import { appendAudit, findAgentIdentity, findRestore, findSnapshotForRestore, finishRestore, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";
import { continueRestore } from "./run-restore.ts";
import type { RestoreOutcome, RunRestoreOptions } from "./run-restore.ts";

export type RecordedRestoreResult = RestoreOutcome | { ok: "skipped"; restoreId: string; status: string };

/** Carries the recorded restore `restoreId` to its end; a restore no longer `requested` is skipped. */
export async function runRecordedRestore(cp: ControlPlane, restoreId: string, options: RunRestoreOptions): Promise<RecordedRestoreResult> {
  const loaded = await withServiceSession(cp.sql, async (tx) => {
    const restore = await findRestore(tx, restoreId);
    if (!restore) return { missing: true as const };
    if (restore.status !== "requested") return { restore, skip: true as const };
    const vm = await findAgentIdentity(tx, restore.vmId);
    const snapshot = restore.snapshotId ? await findSnapshotForRestore(tx, restore.snapshotId) : undefined;
    return { restore, vm, snapshot };
  });
  if ("missing" in loaded) {
    throw Object.assign(new Error(`E_RESTORE_UNKNOWN: restore ${restoreId} is not recorded`), { code: "E_RESTORE_UNKNOWN" });
  }
  const { restore } = loaded;
  if ("skip" in loaded) return { ok: "skipped", restoreId, status: restore.status };
  const { vm, snapshot } = loaded;
  // Between the request and this job the snapshot may have expired or the VM been deleted: end the row.
  if (!vm || vm.status === "deleted" || !snapshot || snapshot.status !== "completed" || snapshot.sizeBytes === undefined || snapshot.sha256 === undefined) {
    const error = !vm || vm.status === "deleted" ? "E_VM_UNKNOWN: the VM was deleted before the restore started" : "E_SNAPSHOT_NOT_COMPLETED: the snapshot is no longer available (retention or purge removed it)";
    await withServiceSession(cp.sql, async (tx) => {
      if (!(await finishRestore(tx, restoreId, { status: "failed", error: `${error} (/data was not changed)`, at: cp.now() }))) return;
      await appendAudit(tx, {
        action: "restore.failed", ...(restore.requestedBy ? { actorKind: "support", actorId: restore.requestedBy } : { actorKind: "service" }),
        customerId: restore.customerId, vmId: restore.vmId, ...(restore.snapshotId ? { snapshotId: restore.snapshotId } : {}), details: { restoreId, error },
      });
    });
    return { ok: false, restoreId, status: "failed", code: error.slice(0, error.indexOf(":")), message: error, rolledBack: true };
  }
  return continueRestore(
    cp,
    { restoreId, vmId: vm.vmId, customerId: vm.customerId, hostname: vm.hostname, snapshot: { ...snapshot, sizeBytes: snapshot.sizeBytes, sha256: snapshot.sha256 } },
    restore.requestedBy,
    options,
  );
}

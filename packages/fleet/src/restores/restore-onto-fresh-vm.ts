// The restore a resubscribed customer is owed (issue #5 §4, issue #7 §3): their last snapshot, put onto
// the fresh VM their wish was bound to when its agent enrolled, through the same path support uses
// (runRestore: restores row, audit, grant sealed to the VM, the agent's safe in-place restore). One
// call is one attempt: the workers' vm.initial-restore job calls it until it ends. Every end is written
// down — fulfilled (wish cleared, the restore recorded on the customer row) or given up (the reason on
// the customer row, in the audit log, and told to the VM's agent so its wait-ready gate opens).
import { randomUUID } from "node:crypto";
import {
  appendAudit, findBoundInitialRestore, markInitialRestoreDone, markInitialRestoreFailed, unbindInitialRestore, withServiceSession,
} from "@nacre/db";
import type { BoundInitialRestore } from "@nacre/db";
import { encodeMessage } from "@nacre/protocol";
import { locateAgent } from "../agent-registry.ts";
import { sendCommand } from "../command-bus.ts";
import type { ControlPlane } from "../control-plane.ts";
import { AGENT_ONLINE_WINDOW_MS } from "../exports/request-export.ts";
import { RestoreStartError } from "./restore-errors.ts";
import { runRestore } from "./run-restore.ts";
import type { RunRestoreOptions } from "./run-restore.ts";

export interface FreshVmRestoreOptions extends RunRestoreOptions {
  /** The job's last attempt: a failure that could be retried is given up instead. */
  lastAttempt: boolean;
}

export type FreshVmRestoreResult =
  | { outcome: "restored"; restoreId: string; snapshotId: string; safetySnapshotId: string | undefined }
  /** No wish is bound to this VM: fulfilled already, or never bound to it. */
  | { outcome: "nothing-pending" }
  | { outcome: "already-failed"; error: string }
  /** The VM is being deleted: the wish goes back to waiting for the customer's next fresh VM. */
  | { outcome: "unbound"; vmStatus: string }
  /** Not now (agent offline, busy, a download cut): the caller tries again later. */
  | { outcome: "retry"; code: string; message: string; restoreId?: string }
  /** Given up and recorded; `agentTold` is false when the agent could not be told right now (auth.ok tells it later). */
  | { outcome: "failed"; code: string; message: string; restoreId?: string; agentTold: boolean };

/**
 * Failures after which /data is unchanged and trying again can help. Everything else (a destroyed key,
 * a damaged object, a failed health check, an unknown state) is given up at once: retrying would only
 * repeat it, and support must look.
 */
const RETRYABLE = new Set([
  "E_AGENT_OFFLINE", "E_COMMAND_TIMEOUT", "E_COMMAND_UNDELIVERABLE", "E_BUSY", "E_INTERRUPTED", "E_DOWNLOAD", "E_DOWNLOAD_REFUSED",
  "E_DISK_SPACE", "E_DISK_FULL", "E_APP_COMMAND", "E_RESTORE_IN_FLIGHT", "E_SNAPSHOT_IN_FLIGHT",
]);

/** Why a fresh VM needs no pre-restore snapshot, or undefined when this one gets one (see docs/restore.md). */
export function safetySnapshotSkipReason(wish: Pick<BoundInitialRestore, "vmSnapshots" | "appStatus">): string | undefined {
  if (wish.vmSnapshots > 0 || wish.appStatus !== "stopped") return undefined;
  return "the VM is fresh — never backed up, and its app has not run yet (held by wait-ready) — so its /data holds nothing made by anyone; the agent still keeps the replaced contents for 24 h";
}

/** One attempt at the restore owed to the VM's customer; never throws for a failed restore, only for infrastructure errors. */
export async function restoreOntoFreshVm(cp: ControlPlane, vmId: string, options: FreshVmRestoreOptions): Promise<FreshVmRestoreResult> {
  const wish = await withServiceSession(cp.sql, (tx) => findBoundInitialRestore(tx, vmId));
  if (!wish) return { outcome: "nothing-pending" };
  if (wish.failedAt) return { outcome: "already-failed", error: wish.error ?? "" };
  const giveUp = (code: string, message: string, restoreId?: string): Promise<FreshVmRestoreResult> => recordFailure(cp, wish, options, code, message, restoreId);
  const notNow = (code: string, message: string, restoreId?: string): Promise<FreshVmRestoreResult> =>
    options.lastAttempt ? giveUp(code, `${message} (the last of the automatic attempts)`, restoreId) : Promise.resolve({ outcome: "retry", code, message, ...(restoreId ? { restoreId } : {}) });

  if (wish.vmStatus === "deleting" || wish.vmStatus === "deleted") {
    await withServiceSession(cp.sql, async (tx) => {
      if (!(await unbindInitialRestore(tx, vmId))) return;
      await appendAudit(tx, { action: "customer.restore-unbound", actorKind: "service", customerId: wish.customerId, vmId, details: { vmStatus: wish.vmStatus } });
    });
    return { outcome: "unbound", vmStatus: wish.vmStatus };
  }
  if (wish.planState !== "active") {
    return giveUp("E_CUSTOMER_NOT_ACTIVE", `the customer's plan is ${wish.planState}, so their data is not restored onto VM ${vmId}`);
  }
  if (!wish.snapshotId) {
    return giveUp("E_RESTORE_SNAPSHOT_GONE", "the snapshot recorded when the customer resubscribed no longer exists (see the customer.resubscribed audit entry for its id); there is nothing to restore");
  }
  const now = cp.now().getTime();
  const heard = wish.lastHeartbeatAt !== undefined && now - wish.lastHeartbeatAt.getTime() <= AGENT_ONLINE_WINDOW_MS;
  if (!heard || (await locateAgent(options.redis, vmId)) === undefined) {
    return notNow("E_AGENT_OFFLINE", `the agent of VM ${vmId} is enrolled but not connected yet`);
  }

  const skip = safetySnapshotSkipReason(wish);
  let outcome;
  try {
    outcome = await runRestore(cp, { vmId, snapshotId: wish.snapshotId, trigger: "resubscribe" }, { ...options, ...(skip ? { skipSafetySnapshot: skip } : {}) });
  } catch (error) {
    if (!(error instanceof RestoreStartError)) throw error;
    const message = error.message.replace(`${error.code}: `, "");
    return error.code === "E_RESTORE_IN_FLIGHT" ? notNow(error.code, message) : giveUp(error.code, message);
  }
  if (outcome.ok) {
    await withServiceSession(cp.sql, async (tx) => {
      if (!(await markInitialRestoreDone(tx, vmId, outcome.restoreId, cp.now()))) return;
      await appendAudit(tx, {
        action: "customer.restore-fulfilled", actorKind: "service", customerId: wish.customerId, vmId, snapshotId: wish.snapshotId,
        details: { restoreId: outcome.restoreId, safetySnapshotId: outcome.safetySnapshotId ?? null, requestedAt: wish.requestedAt.toISOString() },
      });
    });
    return { outcome: "restored", restoreId: outcome.restoreId, snapshotId: wish.snapshotId!, safetySnapshotId: outcome.safetySnapshotId };
  }
  const retryable = RETRYABLE.has(outcome.code) && outcome.status === "failed" && outcome.rolledBack;
  return retryable ? notNow(outcome.code, outcome.message, outcome.restoreId) : giveUp(outcome.code, outcome.message, outcome.restoreId);
}

async function recordFailure(
  cp: ControlPlane,
  wish: BoundInitialRestore,
  options: FreshVmRestoreOptions,
  code: string,
  message: string,
  restoreId: string | undefined,
): Promise<FreshVmRestoreResult> {
  const error = `${code}: ${message}`;
  await withServiceSession(cp.sql, async (tx) => {
    if (!(await markInitialRestoreFailed(tx, wish.vmId, error, cp.now()))) return;
    await appendAudit(tx, {
      action: "customer.restore-failed", actorKind: "service", customerId: wish.customerId, vmId: wish.vmId,
      ...(wish.snapshotId ? { snapshotId: wish.snapshotId } : {}), details: { code, message, restoreId: restoreId ?? null },
    });
  });
  // The agent's wait-ready gate must not wait for a restore that will not come. If it cannot be told now,
  // its next auth.ok says so.
  let agentTold = false;
  try {
    const commandId = randomUUID();
    const frame = encodeMessage("initial-restore.status", commandId, { state: "failed", message: error.slice(0, 2000) });
    await sendCommand(options.redis, options.subscriber, { vmId: wish.vmId, commandId, frame }, options);
    agentTold = true;
  } catch {
    agentTold = false;
  }
  return { outcome: "failed", code, message, ...(restoreId ? { restoreId } : {}), agentTold };
}

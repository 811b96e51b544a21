// What support runs for one restore (docs/runbooks/restore.md), and what the workers run for the
// restore onto a resubscribed customer's fresh VM: record the request, take a pre-restore safety
// snapshot through the normal snapshot path (held 30 days; skipped only when the caller says why),
// build and deliver restore.start, then follow the agent's reports — each restore.progress step is
// written to the row and to the audit log, and restore.done / restore.failed end the row. The gateway publishes the reports on the
// restore's command channel (handle-agent-message.ts) as `progress` events carrying the whole message.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { holdUntil } from "@nacre/core";
import { appendAudit, finishRestore, recordRestoreStep, withServiceSession } from "@nacre/db";
import type { AuditEntry } from "@nacre/db";
import { encodeMessage } from "@nacre/protocol";
import type { AgentMessage } from "@nacre/protocol";
import type { CommandEvent } from "../command-bus.ts";
import { sendCommand, watchCommand } from "../command-bus.ts";
import type { ControlPlane } from "../control-plane.ts";
import { runSnapshot } from "../snapshots/run-snapshot.ts";
import { checkRestorePreflight } from "./check-restore-preflight.ts";
import { prepareRestoreCommand, startRestore } from "./start-restore.ts";
import type { StartedRestore, StartRestoreInput } from "./start-restore.ts";

export interface RunRestoreOptions {
  redis: Redis;
  subscriber: Redis;
  acceptTimeoutMs: number;
  resendEveryMs: number;
  /** How long the safety snapshot may take once accepted. */
  snapshotTimeoutMs: number;
  /** How long the agent may stay silent (no progress) before the control plane stops waiting. */
  silenceTimeoutMs: number;
  /** Each step as it happens, for a REPL or script to print. */
  onStep?: (step: string, message: string) => void;
  /**
   * Why no pre-restore safety snapshot is taken, when none should be: only for a fresh VM whose /data
   * holds nothing anyone made yet (restoreOntoFreshVm decides). Recorded as the step
   * `safety-snapshot-skipped` with this reason. Absent: the safety snapshot is taken.
   */
  skipSafetySnapshot?: string;
}

export type RestoreOutcome =
  | { ok: true; restoreId: string; safetySnapshotId: string | undefined }
  | { ok: false; restoreId: string; status: "failed" | "rolled-back"; code: string; message: string; rolledBack: boolean; safetySnapshotId?: string };

/** Steps after which /data has been changed; a failure that follows them and rolled back is "rolled-back". */
const SWAPPED_STEPS = new Set(["swap", "resume", "health", "rollback"]);

/** Runs one restore of `snapshotId` onto `vmId` to its end; throws RestoreStartError when it is refused up front. */
export async function runRestore(cp: ControlPlane, input: StartRestoreInput, options: RunRestoreOptions): Promise<RestoreOutcome> {
  return continueRestore(cp, await startRestore(cp, input), input.requestedBy, options);
}

/**
 * Carries a recorded restore (startRestore's row) to its end: the safety snapshot, restore.start, and
 * the agent's reports. The support console records the request in its request and leaves this part to
 * a worker job (runRecordedRestore), since it takes as long as the download and the health check.
 */
export async function continueRestore(cp: ControlPlane, started: StartedRestore, requestedBy: string | undefined, options: RunRestoreOptions): Promise<RestoreOutcome> {
  const { restoreId } = started;
  const actor: Pick<AuditEntry, "actorKind" | "actorId"> = requestedBy ? { actorKind: "support", actorId: requestedBy } : { actorKind: "service" };
  const step = async (name: string, message: string, facts: { safetySnapshotId?: string } = {}): Promise<void> => {
    options.onStep?.(name, message);
    await withServiceSession(cp.sql, async (tx) => {
      if (!(await recordRestoreStep(tx, restoreId, name, facts))) return;
      await appendAudit(tx, { action: "restore.step", ...actor, customerId: started.customerId, vmId: started.vmId, snapshotId: started.snapshot.id, details: { restoreId, step: name, message, ...facts } });
    });
  };
  const fail = async (code: string, text: string, rolledBack: boolean, swapped: boolean, safetySnapshotId?: string): Promise<RestoreOutcome> => {
    // Errors thrown with a code usually start their message with it; the row says it once.
    const message = text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text;
    const status = rolledBack && swapped ? "rolled-back" : "failed";
    const where = rolledBack ? (swapped ? "the previous /data was put back" : "/data was not changed") : "/data may be in an unknown state — follow docs/runbooks/restore.md";
    await end(cp, started, actor, { status, error: `${code}: ${message} (${where})` });
    return { ok: false, restoreId, status, code, message, rolledBack, ...(safetySnapshotId ? { safetySnapshotId } : {}) };
  };

  const preflight = await withServiceSession(cp.sql, (tx) => checkRestorePreflight(tx, started.vmId, started.snapshot.sizeBytes, cp.now()));
  if (!preflight.ok) return await fail(preflight.code, preflight.message, true, false);
  await step("control-plane-preflight", preflight.message);

  const safety = await takeSafetySnapshot(cp, started, options, step);
  if (!safety.ok) return await fail(safety.code, `the pre-restore safety snapshot failed, so nothing was restored: ${safety.message}`, true, false);

  // From here until restore.start is accepted, a failure leaves the app paused by the safety snapshot's
  // app.pause: resume it at once rather than leave it to the watchdog.
  const resumeApp = async (): Promise<void> => {
    if (options.skipSafetySnapshot === undefined) await sendAppCommand(started.vmId, options).catch(() => {});
  };
  let frame: string;
  try {
    frame = await prepareRestoreCommand(cp, started);
  } catch (error) {
    await resumeApp();
    return await fail((error as { code?: string }).code ?? "E_RESTORE_PREPARE", (error as Error).message, true, false, safety.snapshotId);
  }
  const reports = watchCommand(options.subscriber, restoreId);
  try {
    try {
      await sendCommand(options.redis, options.subscriber, { vmId: started.vmId, commandId: restoreId, frame }, options);
    } catch (error) {
      await resumeApp();
      return await fail((error as { code?: string }).code ?? "E_COMMAND_FAILED", (error as Error).message, true, false, safety.snapshotId);
    }
    await step("sent", "the agent accepted restore.start");
    let swapped = false;
    for (;;) {
      const event = await reports.next((e: CommandEvent) => e.kind === "progress", options.silenceTimeoutMs);
      if (event?.kind !== "progress") {
        return await fail("E_RESTORE_TIMEOUT", `the agent sent nothing about the restore for ${Math.round(options.silenceTimeoutMs / 1000)} s; check the VM (its agent finishes or rolls back on its own and reports when it reconnects)`, false, swapped, safety.snapshotId);
      }
      const report = event.detail as AgentMessage;
      if (report.type === "restore.progress") {
        if (SWAPPED_STEPS.has(report.payload.step)) swapped = true;
        await step(report.payload.step, report.payload.message);
      } else if (report.type === "restore.done") {
        await end(cp, started, actor, { status: "succeeded", step: "done" });
        options.onStep?.("done", "the restore finished and the app is healthy");
        return { ok: true, restoreId, safetySnapshotId: safety.snapshotId };
      } else if (report.type === "restore.failed") {
        options.onStep?.("failed", `${report.payload.code}: ${report.payload.message}`);
        return await fail(report.payload.code, report.payload.message, report.payload.rolledBack, swapped, safety.snapshotId);
      }
    }
  } finally {
    await reports.close();
  }
}

/** app.pause (with its payload) or, without one, app.resume, delivered like any command. */
function sendAppCommand(vmId: string, options: RunRestoreOptions, pause?: { reason: string; resumeAfterSeconds: number }): Promise<void> {
  const commandId = randomUUID();
  const frame = pause ? encodeMessage("app.pause", commandId, pause) : encodeMessage("app.resume", commandId, {});
  return sendCommand(options.redis, options.subscriber, { vmId, commandId, frame }, options);
}

type SafetySnapshot = { ok: true; snapshotId: string | undefined } | { ok: false; code: string; message: string };

/** The pre-restore snapshot through the normal snapshot path (held 30 days), or the recorded reason for none. */
async function takeSafetySnapshot(
  cp: ControlPlane,
  started: StartedRestore,
  options: RunRestoreOptions,
  step: (name: string, message: string, facts?: { safetySnapshotId?: string }) => Promise<void>,
): Promise<SafetySnapshot> {
  if (options.skipSafetySnapshot !== undefined) {
    await step("safety-snapshot-skipped", `no pre-restore snapshot: ${options.skipSafetySnapshot}`);
    return { ok: true, snapshotId: undefined };
  }
  // The app is paused first, so the safety snapshot holds /data exactly as the restore will find it
  // (nothing the assistant writes in between is lost). The pause carries a watchdog: should this
  // process stop before restore.start is delivered, the agent starts the app again by itself.
  await step("app-pause", "pausing the app for the pre-restore snapshot");
  const resumeAfterSeconds = Math.min(24 * 60 * 60, Math.ceil((options.snapshotTimeoutMs + 2 * options.acceptTimeoutMs) / 1000) + 300);
  try {
    await sendAppCommand(started.vmId, options, { reason: `pre-restore snapshot of restore ${started.restoreId}`, resumeAfterSeconds });
  } catch (error) {
    return { ok: false, code: (error as { code?: string }).code ?? "E_COMMAND_FAILED", message: `the app could not be paused for the pre-restore snapshot: ${(error as Error).message}` };
  }
  await step("safety-snapshot", "taking a pre-restore snapshot of the VM's current /data");
  const safety = await runSnapshot(
    cp,
    { vmId: started.vmId, kind: "pre-restore", expectedBytes: started.snapshot.sizeBytes, holdUntil: holdUntil("pre-restore", cp.now())! },
    { redis: options.redis, subscriber: options.subscriber, acceptTimeoutMs: options.acceptTimeoutMs, resendEveryMs: options.resendEveryMs, outcomeTimeoutMs: options.snapshotTimeoutMs },
  );
  if (!safety.ok) {
    // Nothing will be restored: the app goes back to work now (the watchdog would, later).
    await sendAppCommand(started.vmId, options).catch(() => {});
    return safety;
  }
  await step("safety-snapshot-done", `pre-restore snapshot ${safety.snapshotId} taken (kept 30 days)`, { safetySnapshotId: safety.snapshotId });
  return { ok: true, snapshotId: safety.snapshotId };
}

async function end(
  cp: ControlPlane,
  started: StartedRestore,
  actor: Pick<AuditEntry, "actorKind" | "actorId">,
  outcome: { status: "succeeded" | "failed" | "rolled-back"; step?: string; error?: string },
): Promise<void> {
  await withServiceSession(cp.sql, async (tx) => {
    if (!(await finishRestore(tx, started.restoreId, { ...outcome, at: cp.now() }))) return;
    await appendAudit(tx, {
      action: outcome.status === "succeeded" ? "restore.succeeded" : `restore.${outcome.status}`, ...actor,
      customerId: started.customerId, vmId: started.vmId, snapshotId: started.snapshot.id,
      details: { restoreId: started.restoreId, ...(outcome.error ? { error: outcome.error } : {}) },
    });
  });
}

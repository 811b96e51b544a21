// vm.final-backup: a deleted VM's last backup. Each attempt takes a 'final' snapshot held 90 days; a
// failed attempt is retried in the nightly's window (the catalog's 7 attempts, hourly unless
// configured). When the last attempt fails too (the agent is gone for good), the newest nightly is
// held 90 days in its place, recorded as such, and the VM is still marked ready to destroy: a
// deletion never waits forever on an unreachable machine. Every step is in the audit log.
import { holdUntil } from "@nacre/core";
import { appendAudit, findVmForDeletion, holdNewestNightlyAsFinal, markVmDeletionReady, withServiceSession } from "@nacre/db";
import { VmFinalBackupPayload } from "@nacre/jobs";
import { lastSnapshotBytes } from "../nightly/night-records.ts";
import { runCountedSnapshot } from "../snapshots/run-counted-snapshot.ts";
import type { HandlerContext } from "../worker-deps.ts";

const FIRST_SNAPSHOT_EXPECTED_BYTES = 1024 ** 3;

export type FinalBackupResult =
  | { outcome: "final-taken"; snapshotId: string }
  | { outcome: "newest-nightly-held"; snapshotId: string | undefined }
  | { outcome: "already-ready" }
  | { outcome: "skipped"; reason: "vm-unknown" | "vm-not-deleting" };

export class FinalBackupAttemptError extends Error {
  override readonly name = "FinalBackupAttemptError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export async function handle(payload: unknown, ctx: HandlerContext): Promise<FinalBackupResult> {
  const { vmId } = VmFinalBackupPayload.parse(payload);
  const { cp, log } = ctx;
  const vm = await withServiceSession(cp.sql, (tx) => findVmForDeletion(tx, vmId));
  if (!vm) return { outcome: "skipped", reason: "vm-unknown" };
  if (vm.deletionReadyAt) return { outcome: "already-ready" };
  // Only a VM whose deletion was requested (requestVmDeletion) is backed up one last time.
  if (vm.status !== "deleting" && vm.status !== "deleted") return { outcome: "skipped", reason: "vm-not-deleting" };
  const facts = { jobId: ctx.job.id, vmId, customerId: vm.customerId };
  const attempt = ctx.job.attemptsMade + 1;
  const final = attempt >= ctx.job.attempts;

  const takenAt = cp.now();
  const expectedBytes = (await lastSnapshotBytes(cp.sql, vmId)) ?? FIRST_SNAPSHOT_EXPECTED_BYTES;
  const outcome = await runCountedSnapshot(ctx, { vmId, kind: "final", expectedBytes, holdUntil: holdUntil("final", takenAt) as Date });
  if (outcome.ok) {
    await withServiceSession(cp.sql, async (tx) => {
      await appendAudit(tx, { action: "vm.final-backup", actorKind: "service", customerId: vm.customerId, vmId, snapshotId: outcome.snapshotId, details: { attempt, sizeBytes: outcome.sizeBytes } });
      await markVmDeletionReady(tx, vmId, { finalSnapshotId: outcome.snapshotId, note: `Final backup taken at ${cp.now().toISOString()}.`, at: cp.now() });
      await appendAudit(tx, { action: "vm.deletion-ready", actorKind: "service", customerId: vm.customerId, vmId, snapshotId: outcome.snapshotId, details: { final: "fresh" } });
    });
    log({ level: "info", message: "final backup taken; VM ready to destroy", ...facts, attempt, snapshotId: outcome.snapshotId });
    return { outcome: "final-taken", snapshotId: outcome.snapshotId };
  }

  await withServiceSession(cp.sql, (tx) => appendAudit(tx, {
    action: "vm.final-backup-failed", actorKind: "service", customerId: vm.customerId, vmId, details: { attempt, of: ctx.job.attempts, code: outcome.code },
  }));
  log({ level: final ? "error" : "warn", message: final ? "final backup failed; holding the newest nightly instead" : "final backup attempt failed; will retry", ...facts, attempt, code: outcome.code, detail: outcome.message });
  if (!final) throw new FinalBackupAttemptError(outcome.code, outcome.message);

  const now = cp.now();
  const held = await withServiceSession(cp.sql, async (tx) => {
    const nightly = await holdNewestNightlyAsFinal(tx, vmId, holdUntil("final", now) as Date);
    const note = nightly
      ? `No fresh final backup could be taken (the agent was unreachable: ${outcome.code}). The newest nightly, taken ${nightly.createdAt.toISOString()}, is kept as the final backup until ${(holdUntil("final", now) as Date).toISOString()}.`
      : `No fresh final backup could be taken (the agent was unreachable: ${outcome.code}) and the VM had no nightly backup to keep instead.`;
    await appendAudit(tx, {
      action: "vm.final-backup-fallback", actorKind: "service", customerId: vm.customerId, vmId,
      ...(nightly ? { snapshotId: nightly.snapshotId } : {}), details: { code: outcome.code, heldNightly: nightly?.snapshotId ?? null },
    });
    await markVmDeletionReady(tx, vmId, { finalSnapshotId: nightly?.snapshotId, note, at: now });
    await appendAudit(tx, {
      action: "vm.deletion-ready", actorKind: "service", customerId: vm.customerId, vmId,
      ...(nightly ? { snapshotId: nightly.snapshotId } : {}), details: { final: nightly ? "newest-nightly" : "none" },
    });
    return nightly;
  });
  log({ level: "warn", message: "VM ready to destroy without a fresh final backup", ...facts, heldNightly: held?.snapshotId });
  return { outcome: "newest-nightly-held", snapshotId: held?.snapshotId };
}

// snapshot.nightly: one attempt at one VM's backup for one night. The attempt is counted on the
// night's row, the snapshot is run through the agent link, and the outcome recorded. A failed
// attempt throws so BullMQ retries it (fixed backoff, the catalog's 7 attempts); the last one
// marks the night failed and, after two failed nights in a row, raises the banner and emails the
// customer once. A job for a night that is already final does nothing (idempotent on the job id).
import { previousNight, SnapshotNightlyPayload } from "@nacre/jobs";
import type { Night } from "@nacre/jobs";
import { bannerEmail } from "../nightly/banner-email.ts";
import { describeFailure } from "@nacre/core";
import {
  findNightlyVm, lastSnapshotBytes, markBannerEmailed, raiseBannerIfDue, recordAttempt, recordFailure, recordSuccess,
} from "../nightly/night-records.ts";
import type { NightlyVm } from "../nightly/night-records.ts";
import { runCountedSnapshot } from "../snapshots/run-counted-snapshot.ts";
import type { CountedOutcome } from "../snapshots/run-counted-snapshot.ts";
import type { HandlerContext } from "../worker-deps.ts";

/** Part sizing for a VM that has no snapshot yet. */
const FIRST_SNAPSHOT_EXPECTED_BYTES = 1024 ** 3;

export type NightlyResult =
  | { outcome: "succeeded"; snapshotId: string; attempt: number }
  | { outcome: "skipped"; reason: "vm-unknown" | "vm-not-active" | "customer-not-active" }
  | { outcome: "already-final" };

/** Thrown for a failed attempt, so BullMQ retries (or, on the last attempt, fails) the job. */
export class NightlyAttemptError extends Error {
  override readonly name = "NightlyAttemptError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export async function handle(payload: unknown, ctx: HandlerContext): Promise<NightlyResult> {
  const { vmId, night } = SnapshotNightlyPayload.parse(payload);
  const { cp, log } = ctx;
  const facts = { jobId: ctx.job.id, vmId, night };

  // Deleted VMs and cancelled customers are not backed up, and their night is not recorded: a
  // night nobody tried is neither a failure nor part of a run of them.
  const vm = await findNightlyVm(cp.sql, vmId);
  const skip = !vm ? "vm-unknown" : vm.vmStatus !== "active" ? "vm-not-active" : vm.planState !== "active" ? "customer-not-active" : undefined;
  if (!vm || skip) {
    log({ level: "info", message: "nightly skipped", ...facts, reason: skip });
    return { outcome: "skipped", reason: skip ?? "vm-unknown" };
  }

  const recorded = await recordAttempt(cp.sql, vm, night, cp.now());
  if (!recorded) {
    log({ level: "info", message: "night already final; nothing to do", ...facts });
    return { outcome: "already-final" };
  }
  const { attempt } = recorded;
  const final = ctx.job.attemptsMade + 1 >= ctx.job.attempts;

  const outcome = await attemptSnapshot(ctx, vmId);
  if (outcome.ok) {
    await recordSuccess(cp.sql, vmId, night, outcome.snapshotId, cp.now());
    log({ level: "info", message: "night succeeded", ...facts, attempt, snapshotId: outcome.snapshotId, sizeBytes: outcome.sizeBytes });
    await retain(ctx, vmId);
    return { outcome: "succeeded", snapshotId: outcome.snapshotId, attempt };
  }

  const words = describeFailure(outcome.code);
  await recordFailure(cp.sql, vmId, night, { code: outcome.code, words, final }, cp.now());
  log({ level: final ? "error" : "warn", message: final ? "night failed" : "attempt failed; will retry", ...facts, attempt, code: outcome.code, detail: outcome.message });
  if (final) await alertIfTwoNightsFailed(ctx, vm, night, words);
  throw new NightlyAttemptError(outcome.code, outcome.message);
}

/** Runs the snapshot; anything thrown before an outcome exists (VM not enrolled, upload in flight, storage down) is a failure too. */
async function attemptSnapshot(ctx: HandlerContext, vmId: string): Promise<CountedOutcome> {
  let expectedBytes = FIRST_SNAPSHOT_EXPECTED_BYTES;
  try {
    expectedBytes = (await lastSnapshotBytes(ctx.cp.sql, vmId)) ?? FIRST_SNAPSHOT_EXPECTED_BYTES;
  } catch (error) {
    return { ok: false, code: "E_INTERNAL", message: (error as Error).message ?? String(error) };
  }
  return runCountedSnapshot(ctx, { vmId, kind: "nightly", expectedBytes });
}

/**
 * GFS retention after a successful night. Its failure does not undo the night (the snapshot is
 * complete and recorded); it is logged as an error and retention runs again after the next night.
 */
async function retain(ctx: HandlerContext, vmId: string): Promise<void> {
  try {
    await ctx.applyRetention(vmId);
  } catch (error) {
    ctx.log({ level: "error", message: "retention failed after a successful night", jobId: ctx.job.id, vmId, error: String(error) });
  }
}

/**
 * The night failed for good. If the night before failed too, the banner goes up, and the customer
 * gets one email for the run of failures (the VM's backup_alert_emailed_at, cleared only by a
 * success, says it went out). An email the provider refuses is logged; the next failed night tries
 * again, since nothing recorded it as sent.
 */
async function alertIfTwoNightsFailed(ctx: HandlerContext, vm: NightlyVm, night: Night, reason: string): Promise<void> {
  const { cp, log } = ctx;
  const banner = await raiseBannerIfDue(cp.sql, vm.vmId, previousNight(night));
  if (!banner) return;
  log({ level: "warn", message: "two failed nights in a row; banner raised", vmId: vm.vmId, night, since: banner.since });
  if (banner.emailed) return;
  const email = bannerEmail({ vmId: vm.vmId, to: vm.email, hostname: vm.hostname, since: banner.since, night, reason });
  try {
    const emailId = await ctx.mailer.send(email);
    await markBannerEmailed(cp.sql, vm.vmId, cp.now());
    log({ level: "info", message: "banner email sent", vmId: vm.vmId, night, emailId });
  } catch (error) {
    log({ level: "error", message: "banner email not sent; the next failed night tries again", vmId: vm.vmId, night, error: String(error) });
  }
}

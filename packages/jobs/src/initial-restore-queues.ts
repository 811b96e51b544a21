// Producers of the initial restore (a resubscribed customer's last snapshot onto their fresh VM): the
// sweep's scheduler, which runs every INITIAL_RESTORE_SWEEP.everyMs and is the trigger, and the one job
// per VM and wish it makes sure exists. The binding of a wish to a VM is written by the gateway's
// enrollment in Postgres, so nothing is lost when Redis or every worker is down at that moment.
import type { Job } from "bullmq";
import { INITIAL_RESTORE_SWEEP, initialRestoreJobId, JOBS, KEEP_COMPLETED, KEEP_FAILED } from "./catalog.ts";
import { VmInitialRestorePayload } from "./lifecycle-payloads.ts";
import type { JobQueues } from "./queues.ts";

const keep = { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED };

/** The initial restore's retry window: the catalog's unless told otherwise (tests compress it). */
export interface InitialRestoreTiming {
  /** First retry delay; doubles with each attempt. */
  retryDelayMs: number;
  attempts?: number;
}

export const DEFAULT_INITIAL_RESTORE_TIMING: InitialRestoreTiming = {
  retryDelayMs: JOBS["vm.initial-restore"].backoff.delay,
  attempts: JOBS["vm.initial-restore"].attempts,
};

/**
 * Makes sure the VM's job for this wish exists: added when absent; when it is kept as failed, retried
 * only if `stillPending()` says the wish is pending again (support re-armed it) — the sweep read its list
 * before, and the job marks a wish failed before it fails itself. A job waiting, delayed, running or
 * completed is left alone: a completed job ended its wish, or found nothing to do (the sweep's list may
 * be a moment old), and re-adding it would only run it for nothing.
 */
export async function ensureInitialRestoreJob(
  queues: JobQueues,
  vmId: string,
  requestedAt: Date,
  stillPending: () => Promise<boolean>,
  timing: InitialRestoreTiming = DEFAULT_INITIAL_RESTORE_TIMING,
): Promise<"queued" | "retried" | "present"> {
  const jobId = initialRestoreJobId(vmId, requestedAt);
  const existing = await queues.initialRestore.getJob(jobId);
  if (existing) {
    if ((await existing.getState()) !== "failed" || !(await stillPending())) return "present";
    await existing.retry("failed");
    return "retried";
  }
  await queues.initialRestore.add("vm.initial-restore", VmInitialRestorePayload.parse({ vmId }), {
    jobId,
    attempts: timing.attempts ?? JOBS["vm.initial-restore"].attempts,
    backoff: { type: "exponential", delay: timing.retryDelayMs },
    ...keep,
  });
  return "queued";
}

/** Makes sure the sweep's scheduler exists, firing every `everyMs` (safe on every start of every process). */
export async function upsertInitialRestoreSweepSchedule(queues: JobQueues, everyMs: number = INITIAL_RESTORE_SWEEP.everyMs): Promise<Job | undefined> {
  const spec = JOBS["vm.initial-restore-sweep"];
  return queues.initialRestoreSweep.upsertJobScheduler(
    INITIAL_RESTORE_SWEEP.id,
    { every: everyMs },
    // A sweep that fails is simply the next one's job: nothing is kept beyond a few runs.
    { name: "vm.initial-restore-sweep", data: {}, opts: { attempts: spec.attempts, removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } } },
  );
}

// Typed producers of the lifecycle jobs: export now, a deleted VM's final backup, the day-90 purge
// (delayed at cancellation, removed at resubscription, re-queued by the daily sweep) and the sweep's
// scheduler. `lifecycleQueue` bundles them in the shape @nacre/fleet's request functions take, so the
// dashboard and billing code pass it in without @nacre/fleet depending on BullMQ.
import type { Job, JobsOptions } from "bullmq";
import { finalBackupJobId, JOBS, KEEP_COMPLETED, KEEP_FAILED, PURGE_SWEEP_SCHEDULE, purgeJobId, restoreRunJobId } from "./catalog.ts";
import { CustomerPurgePayload, ExportNowPayload, RestoreRunPayload, VmFinalBackupPayload } from "./lifecycle-payloads.ts";
import type { JobQueues } from "./queues.ts";

const keep = { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED };

/** The final backup's retry window; the catalog's hour between 7 attempts unless told otherwise (tests). */
export interface FinalBackupTiming {
  retryDelayMs: number;
  attempts?: number;
}

/** Queues the export's job under the export's id: a second request for the same export adds nothing. */
export async function enqueueExport(queues: JobQueues, exportId: string): Promise<Job<ExportNowPayload>> {
  const spec = JOBS["export.now"];
  return queues.exportNow.add("export.now", ExportNowPayload.parse({ exportId }), {
    jobId: exportId, attempts: spec.attempts, backoff: { ...spec.backoff }, ...keep,
  });
}

/** Queues a recorded support restore under its own id: a second request for the same restore adds nothing. */
export async function enqueueRestoreRun(queues: JobQueues, restoreId: string): Promise<Job<RestoreRunPayload>> {
  const spec = JOBS["restore.run"];
  return queues.restoreRun.add("restore.run", RestoreRunPayload.parse({ restoreId }), {
    jobId: restoreRunJobId(restoreId), attempts: spec.attempts, backoff: { ...spec.backoff }, ...keep,
  });
}

/** Queues the VM's final backup (one job per VM, whoever asks and however often). */
export async function enqueueFinalBackup(
  queues: JobQueues,
  vmId: string,
  timing: FinalBackupTiming = { retryDelayMs: JOBS["vm.final-backup"].backoff.delay },
): Promise<Job<VmFinalBackupPayload>> {
  return queues.finalBackup.add("vm.final-backup", VmFinalBackupPayload.parse({ vmId }), {
    jobId: finalBackupJobId(vmId),
    attempts: timing.attempts ?? JOBS["vm.final-backup"].attempts,
    backoff: { type: "fixed", delay: timing.retryDelayMs },
    ...keep,
  });
}

function purgeOptions(customerId: string, purgeAt: Date, delay: number): JobsOptions & { jobId: string } {
  const spec = JOBS["customer.purge"];
  return { jobId: purgeJobId(customerId, purgeAt), delay: Math.max(0, delay), attempts: spec.attempts, backoff: { ...spec.backoff }, ...keep };
}

/**
 * Queues the customer's purge to run at `purgeAt` (a delayed job; the sweep is the safety net). The
 * delay is counted from `now`, the queue's clock (the wall clock), not from the cancellation time.
 */
export async function schedulePurge(queues: JobQueues, customerId: string, purgeAt: Date, now: Date = new Date()): Promise<Job<CustomerPurgePayload>> {
  return queues.purge.add("customer.purge", CustomerPurgePayload.parse({ customerId }), purgeOptions(customerId, purgeAt, purgeAt.getTime() - now.getTime()));
}

/**
 * Removes the customer's purge for that cancellation if it has not run yet (resubscription). True
 * when a job was removed or none existed; false when it is running right now (the purge itself then
 * refuses: the customer is no longer cancelled).
 */
export async function cancelScheduledPurge(queues: JobQueues, customerId: string, purgeAt: Date): Promise<boolean> {
  const job = await queues.purge.getJob(purgeJobId(customerId, purgeAt));
  if (!job) return true;
  const state = await job.getState();
  if (state === "active") return false;
  await job.remove();
  return true;
}

/**
 * The sweep's way to make sure a due purge runs: queue it now under its usual id, or, if that job is
 * kept as failed (it used up its attempts), retry it. A job still delayed or waiting is left alone.
 */
export async function enqueueDuePurge(queues: JobQueues, customerId: string, purgeAt: Date): Promise<"queued" | "retried" | "present"> {
  const existing = await queues.purge.getJob(purgeJobId(customerId, purgeAt));
  if (existing) {
    const state = await existing.getState();
    if (state === "failed") {
      await existing.retry("failed");
      return "retried";
    }
    if (state === "delayed") {
      await existing.promote();
      return "queued";
    }
    if (state !== "completed") return "present";
    // A completed job whose purge is still due (it refused or was interrupted before the row changed): run it afresh.
    await existing.remove();
  }
  await queues.purge.add("customer.purge", CustomerPurgePayload.parse({ customerId }), purgeOptions(customerId, purgeAt, 0));
  return "queued";
}

/** Makes sure the daily purge sweep's scheduler exists (safe on every start of every process). */
export async function upsertPurgeSweepSchedule(queues: JobQueues): Promise<void> {
  const spec = JOBS["customer.purge-sweep"];
  await queues.purgeSweep.upsertJobScheduler(
    PURGE_SWEEP_SCHEDULE.id,
    { pattern: PURGE_SWEEP_SCHEDULE.pattern, tz: PURGE_SWEEP_SCHEDULE.tz },
    { name: "customer.purge-sweep", data: {}, opts: { attempts: spec.attempts, backoff: { ...spec.backoff }, ...keep } },
  );
}

/** What @nacre/fleet's requestExport, cancelCustomer, resubscribeCustomer and requestVmDeletion queue through. */
export interface LifecycleQueue {
  enqueueExport(exportId: string): Promise<void>;
  enqueueFinalBackup(vmId: string): Promise<void>;
  schedulePurge(customerId: string, purgeAt: Date): Promise<void>;
  cancelPurge(customerId: string, purgeAt: Date): Promise<boolean>;
  enqueueRestore(restoreId: string): Promise<void>;
}

/** The catalog's queues as a LifecycleQueue. */
export function lifecycleQueue(queues: JobQueues, finalBackup?: FinalBackupTiming): LifecycleQueue {
  return {
    enqueueExport: async (exportId) => void (await enqueueExport(queues, exportId)),
    enqueueFinalBackup: async (vmId) => void (await enqueueFinalBackup(queues, vmId, finalBackup)),
    schedulePurge: async (customerId, purgeAt) => void (await schedulePurge(queues, customerId, purgeAt)),
    cancelPurge: (customerId, purgeAt) => cancelScheduledPurge(queues, customerId, purgeAt),
    enqueueRestore: async (restoreId) => void (await enqueueRestoreRun(queues, restoreId)),
  };
}

// Typed producers for the catalog's queues. Everything that enqueues a job goes through these
// helpers, so every job carries the catalog's attempts, backoff and id rules.
import { Queue } from "bullmq";
import type { ConnectionOptions, Job, JobsOptions } from "bullmq";
import {
  FANOUT_BATCH, JOBS, KEEP_COMPLETED, KEEP_FAILED, NIGHTLY_SCHEDULE, nightlyJobId, QUEUES,
  SnapshotFanoutPayload, SnapshotNightlyPayload,
} from "./catalog.ts";
import type { NightlyTiming } from "./catalog.ts";
import type {
  CustomerPurgePayload, CustomerPurgeSweepPayload, ExportNowPayload, RestoreRunPayload, VmFinalBackupPayload, VmInitialRestorePayload,
  VmInitialRestoreSweepPayload,
} from "./lifecycle-payloads.ts";
import type { Night } from "./night.ts";
import { spreadDelayMs } from "./spread.ts";

/** Key prefix of every queue unless told otherwise; tests pass their own so they never collide. */
export const DEFAULT_PREFIX = "nacre:jobs";

export interface QueueOptions {
  /** A Redis connection made with `maxRetriesPerRequest: null` (BullMQ requires it), or its options. */
  connection: ConnectionOptions;
  prefix?: string;
}

export interface JobQueues {
  prefix: string;
  fanout: Queue<SnapshotFanoutPayload, unknown, "snapshot.fanout">;
  nightly: Queue<SnapshotNightlyPayload, unknown, "snapshot.nightly">;
  exportNow: Queue<ExportNowPayload, unknown, "export.now">;
  finalBackup: Queue<VmFinalBackupPayload, unknown, "vm.final-backup">;
  purge: Queue<CustomerPurgePayload, unknown, "customer.purge">;
  purgeSweep: Queue<CustomerPurgeSweepPayload, unknown, "customer.purge-sweep">;
  initialRestore: Queue<VmInitialRestorePayload, unknown, "vm.initial-restore">;
  initialRestoreSweep: Queue<VmInitialRestoreSweepPayload, unknown, "vm.initial-restore-sweep">;
  restoreRun: Queue<RestoreRunPayload, unknown, "restore.run">;
  /** Every queue, for the metrics and the queue view. */
  all(): Queue[];
  close(): Promise<void>;
}

/** Opens the catalog's queues (producer side). */
export function openJobQueues(options: QueueOptions): JobQueues {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const common = { connection: options.connection, prefix };
  const fanout = new Queue<SnapshotFanoutPayload, unknown, "snapshot.fanout">(QUEUES.fanout, common);
  const nightly = new Queue<SnapshotNightlyPayload, unknown, "snapshot.nightly">(QUEUES.nightly, common);
  const exportNow = new Queue<ExportNowPayload, unknown, "export.now">(QUEUES.exportNow, common);
  const finalBackup = new Queue<VmFinalBackupPayload, unknown, "vm.final-backup">(QUEUES.finalBackup, common);
  const purge = new Queue<CustomerPurgePayload, unknown, "customer.purge">(QUEUES.purge, common);
  const purgeSweep = new Queue<CustomerPurgeSweepPayload, unknown, "customer.purge-sweep">(QUEUES.purgeSweep, common);
  const initialRestore = new Queue<VmInitialRestorePayload, unknown, "vm.initial-restore">(QUEUES.initialRestore, common);
  const initialRestoreSweep = new Queue<VmInitialRestoreSweepPayload, unknown, "vm.initial-restore-sweep">(QUEUES.initialRestoreSweep, common);
  const restoreRun = new Queue<RestoreRunPayload, unknown, "restore.run">(QUEUES.restoreRun, common);
  const all = (): Queue[] => [fanout, nightly, exportNow, finalBackup, purge, purgeSweep, initialRestore, initialRestoreSweep, restoreRun] as unknown as Queue[];
  return {
    prefix,
    fanout,
    nightly,
    exportNow,
    finalBackup,
    purge,
    purgeSweep,
    initialRestore,
    initialRestoreSweep,
    restoreRun,
    all,
    async close() {
      await Promise.all(all().map((queue) => queue.close()));
    },
  };
}

const fanoutOptions = (): JobsOptions => ({
  attempts: JOBS["snapshot.fanout"].attempts,
  backoff: { ...JOBS["snapshot.fanout"].backoff },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
});

/**
 * Makes sure the 03:00 UTC scheduler exists with the current template; safe to call on every start
 * of every worker process (an upsert under a fixed id never makes a second scheduler).
 */
export async function upsertNightlySchedule(queues: JobQueues): Promise<void> {
  await queues.fanout.upsertJobScheduler(
    NIGHTLY_SCHEDULE.id,
    { pattern: NIGHTLY_SCHEDULE.pattern, tz: NIGHTLY_SCHEDULE.tz },
    { name: "snapshot.fanout", data: {}, opts: fanoutOptions() },
  );
}

/** Queues one fan-out now (operators and tests; `night` names the night to back up). */
export async function enqueueFanout(queues: JobQueues, payload: SnapshotFanoutPayload = {}): Promise<Job<SnapshotFanoutPayload>> {
  return queues.fanout.add("snapshot.fanout", SnapshotFanoutPayload.parse(payload), fanoutOptions());
}

/** The options of one VM's nightly job: its deterministic id, spread delay and retry window. */
export function nightlyJobOptions(vmId: string, night: Night, timing: NightlyTiming): JobsOptions & { jobId: string } {
  return {
    jobId: nightlyJobId(vmId, night),
    delay: spreadDelayMs(vmId, timing.spreadMs),
    attempts: JOBS["snapshot.nightly"].attempts,
    backoff: { type: "fixed", delay: timing.retryDelayMs },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/**
 * Queues one nightly job per VM for `night`, in batches of FANOUT_BATCH. A VM that already has its
 * job for that night keeps it (same id): BullMQ adds nothing, so re-running is a no-op.
 */
export async function enqueueNightlies(queues: JobQueues, vmIds: readonly string[], night: Night, timing: NightlyTiming): Promise<void> {
  for (let i = 0; i < vmIds.length; i += FANOUT_BATCH) {
    const batch = vmIds.slice(i, i + FANOUT_BATCH).map((vmId) => ({
      name: "snapshot.nightly" as const,
      data: SnapshotNightlyPayload.parse({ vmId, night }),
      opts: nightlyJobOptions(vmId, night, timing),
    }));
    await queues.nightly.addBulk(batch);
  }
}

/**
 * When a fan-out job was meant to run: a scheduler's job carries its fire time (in its id,
 * "repeat:<scheduler>:<ms>", and in opts.prevMillis); a job queued by hand, the time it was queued.
 */
export function scheduledAt(job: Pick<Job, "id" | "opts" | "timestamp">): Date {
  const fromId = /^repeat:.+:(\d+)$/.exec(job.id ?? "")?.[1];
  if (fromId !== undefined) return new Date(Number(fromId));
  if (typeof job.opts.prevMillis === "number") return new Date(job.opts.prevMillis);
  return new Date(job.timestamp);
}

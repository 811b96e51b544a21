// The workers as a library: the catalog's queues, one BullMQ Worker per queue, the 03:00 UTC nightly
// scheduler, the 04:00 UTC purge sweep and the initial-restore sweep (every 30 s), and (when given a
// port) the ops endpoint on 127.0.0.1.
// main.ts starts it with the environment's adapters; tests start it in-process with a prefix of
// their own. close() stops taking jobs and waits for the running ones to finish.
import { Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { applyRetention } from "@nacre/fleet";
import type { ControlPlane } from "@nacre/fleet";
import {
  DEFAULT_INITIAL_RESTORE_TIMING, INITIAL_RESTORE_SWEEP, lifecycleQueue, openJobQueues, QUEUES, scheduledAt, upsertInitialRestoreSweepSchedule,
  upsertNightlySchedule, upsertPurgeSweepSchedule,
} from "@nacre/jobs";
import type { FinalBackupTiming, JobQueues, LifecycleQueue, NightlyTiming, SnapshotFanoutPayload, SnapshotNightlyPayload } from "@nacre/jobs";
import * as purgeSweep from "./handlers/customer-purge-sweep.ts";
import * as purge from "./handlers/customer-purge.ts";
import * as exportNow from "./handlers/export-now.ts";
import * as initialRestoreSweep from "./handlers/vm-initial-restore-sweep.ts";
import * as initialRestore from "./handlers/vm-initial-restore.ts";
import * as restoreRun from "./handlers/restore-run.ts";
import * as fanout from "./handlers/snapshot-fanout.ts";
import * as nightly from "./handlers/snapshot-nightly.ts";
import * as finalBackup from "./handlers/vm-final-backup.ts";
import type { Mailer } from "./mailer.ts";
import { createMetrics } from "./ops/metrics.ts";
import type { Metrics } from "./ops/metrics.ts";
import { startOpsServer } from "./ops/ops-server.ts";
import type { OpsServer } from "./ops/ops-server.ts";
import type { HandlerContext, InitialRestoreSettings, JobFacts, Log, SnapshotTimeouts, WorkerDeps } from "./worker-deps.ts";

export interface WorkersOptions {
  cp: ControlPlane;
  /** BullMQ's connection; must be made with `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** Fleet connections (commands; subscriber mode for command events). */
  redis: Redis;
  subscriber: Redis;
  /** Redis key prefix of the queues; tests use one per file. */
  prefix?: string;
  timing: NightlyTiming;
  snapshot: SnapshotTimeouts;
  mailer: Mailer;
  /** Nightly jobs mostly wait on agents, so many run at once per process. */
  nightlyConcurrency?: number;
  /** Create or update the 03:00 UTC scheduler on start (true unless a test says otherwise). */
  schedule?: boolean;
  /** GFS retention after each successful night; @nacre/fleet's by default (tests may watch it). */
  applyRetention?: (vmId: string) => Promise<unknown>;
  /** The final backup's retry window, for the `lifecycle` producer this returns (the catalog's by default). */
  finalBackup?: FinalBackupTiming;
  /**
   * The initial restore's retries, sweep interval and silence timeout (defaults below). Its sweep is
   * scheduled when `schedule` is not false, or when this is given (tests that want it without the others).
   */
  initialRestore?: Partial<InitialRestoreSettings>;
  /** Serve /metrics and /queues on 127.0.0.1 at this port (0: any free port); no server when absent. */
  opsPort?: number;
  log: Log;
}

export interface Workers {
  queues: JobQueues;
  /** Producers of the lifecycle jobs with this process's settings (ops scripts and tests). */
  lifecycle: LifecycleQueue;
  fanout: Worker<SnapshotFanoutPayload>;
  nightly: Worker<SnapshotNightlyPayload>;
  /** Every worker, the two above included. */
  all: Worker[];
  metrics: Metrics;
  ops: OpsServer | undefined;
  close(): Promise<void>;
}

export const DEFAULT_NIGHTLY_CONCURRENCY = 50;

/** A restore of a few GB reports progress every 2 s; ten silent minutes mean the agent is gone. */
export const DEFAULT_INITIAL_RESTORE: InitialRestoreSettings = {
  retryDelayMs: DEFAULT_INITIAL_RESTORE_TIMING.retryDelayMs,
  attempts: DEFAULT_INITIAL_RESTORE_TIMING.attempts,
  sweepEveryMs: INITIAL_RESTORE_SWEEP.everyMs,
  silenceTimeoutMs: 10 * 60_000,
};

/** GFS retention from @nacre/fleet; what it deleted (or could not delete, left for the next run) is logged. */
function fleetRetention(cp: ControlPlane, log: Log): (vmId: string) => Promise<void> {
  return async (vmId) => {
    const outcome = await applyRetention(cp, vmId);
    if (outcome.deleted.length === 0 && outcome.failed.length === 0) return;
    log({
      level: outcome.failed.length > 0 ? "warn" : "info", message: "retention applied", vmId,
      kept: outcome.kept.size, deleted: outcome.deleted.length, failed: outcome.failed,
    });
  };
}

function factsOf(job: Job): JobFacts {
  return { id: job.id ?? "", attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, scheduledAt: scheduledAt(job) };
}

export async function startWorkers(options: WorkersOptions): Promise<Workers> {
  const { connection, log } = options;
  const queues = openJobQueues({ connection, ...(options.prefix ? { prefix: options.prefix } : {}) });
  const metrics = createMetrics();
  const deps: WorkerDeps = {
    cp: options.cp, redis: options.redis, subscriber: options.subscriber, queues, timing: options.timing,
    snapshot: options.snapshot, initialRestore: { ...DEFAULT_INITIAL_RESTORE, ...options.initialRestore }, mailer: options.mailer, applyRetention: options.applyRetention ?? fleetRetention(options.cp, log), metrics, log,
  };
  const context = (job: Job): HandlerContext => ({ ...deps, job: factsOf(job) });
  const common = { connection, prefix: queues.prefix };

  // One fan-out at a time is plenty: it only reads ids and queues jobs.
  const fanoutWorker = new Worker<SnapshotFanoutPayload>(QUEUES.fanout, (job) => fanout.handle(job.data, context(job)), { ...common, concurrency: 1 });
  const nightlyWorker = new Worker<SnapshotNightlyPayload>(QUEUES.nightly, (job) => nightly.handle(job.data, context(job)), {
    ...common,
    concurrency: options.nightlyConcurrency ?? DEFAULT_NIGHTLY_CONCURRENCY,
  });
  // Exports and final backups wait on agents like the nightly; purges on the object store.
  const lifecycleWorkers = [
    new Worker(QUEUES.exportNow, (job) => exportNow.handle(job.data, context(job)), { ...common, concurrency: 10 }),
    new Worker(QUEUES.finalBackup, (job) => finalBackup.handle(job.data, context(job)), { ...common, concurrency: 10 }),
    new Worker(QUEUES.purge, (job) => purge.handle(job.data, context(job)), { ...common, concurrency: 2 }),
    new Worker(QUEUES.purgeSweep, (job) => purgeSweep.handle(job.data, context(job)), { ...common, concurrency: 1 }),
    // Restores wait on agents for minutes; the sweep only reads the database and queues jobs.
    new Worker(QUEUES.initialRestore, (job) => initialRestore.handle(job.data, context(job)), { ...common, concurrency: 10 }),
    new Worker(QUEUES.initialRestoreSweep, (job) => initialRestoreSweep.handle(job.data, context(job)), { ...common, concurrency: 1 }),
    new Worker(QUEUES.restoreRun, (job) => restoreRun.handle(job.data, context(job)), { ...common, concurrency: 10 }),
  ];
  const all = [fanoutWorker, nightlyWorker, ...lifecycleWorkers] as Worker[];
  for (const worker of all) {
    worker.on("failed", (job, error) => {
      // Attempt failures of snapshots are logged by their handlers with their details; this is the rest.
      if (
        error instanceof nightly.NightlyAttemptError || error instanceof exportNow.ExportAttemptError || error instanceof finalBackup.FinalBackupAttemptError
        || (worker.name === QUEUES.initialRestore && (error instanceof initialRestore.InitialRestoreAttemptError || error.name === "UnrecoverableError"))
      ) return;
      log({ level: "error", message: "job failed", queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, error: String(error) });
    });
    worker.on("error", (error) => log({ level: "error", message: "worker error", queue: worker.name, error: String(error) }));
  }
  await Promise.all(all.map((worker) => worker.waitUntilReady()));
  if (options.schedule !== false) {
    await upsertNightlySchedule(queues);
    await upsertPurgeSweepSchedule(queues);
  }
  if (options.schedule !== false || options.initialRestore !== undefined) await upsertInitialRestoreSweepSchedule(queues, deps.initialRestore.sweepEveryMs);
  const ops = options.opsPort === undefined
    ? undefined
    : await startOpsServer({ port: options.opsPort, metrics, sql: options.cp.sql, queues: queues.all(), now: options.cp.now, log });
  log({ level: "info", message: "workers started", prefix: queues.prefix, nightlyConcurrency: nightlyWorker.concurrency, ops: ops?.url, ...options.timing });

  return {
    queues,
    lifecycle: lifecycleQueue(queues, options.finalBackup),
    fanout: fanoutWorker,
    nightly: nightlyWorker,
    all,
    metrics,
    ops,
    async close() {
      await ops?.close();
      await Promise.all(all.map((worker) => worker.close()));
      await queues.close();
    },
  };
}

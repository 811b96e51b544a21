// The workers as a library: the catalog's queues, one BullMQ Worker per queue, and the 03:00 UTC
// scheduler. main.ts starts it with the environment's adapters; tests start it in-process with a
// prefix of their own. close() stops taking jobs and waits for the running ones to finish.
import { Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { applyRetention } from "@nacre/fleet";
import type { ControlPlane } from "@nacre/fleet";
import { openJobQueues, QUEUES, scheduledAt, upsertNightlySchedule } from "@nacre/jobs";
import type { JobQueues, NightlyTiming, SnapshotFanoutPayload, SnapshotNightlyPayload } from "@nacre/jobs";
import * as fanout from "./handlers/snapshot-fanout.ts";
import * as nightly from "./handlers/snapshot-nightly.ts";
import type { Mailer } from "./mailer.ts";
import type { HandlerContext, JobFacts, Log, SnapshotTimeouts, WorkerDeps } from "./worker-deps.ts";

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
  log: Log;
}

export interface Workers {
  queues: JobQueues;
  fanout: Worker<SnapshotFanoutPayload>;
  nightly: Worker<SnapshotNightlyPayload>;
  close(): Promise<void>;
}

export const DEFAULT_NIGHTLY_CONCURRENCY = 50;

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
  const deps: WorkerDeps = {
    cp: options.cp, redis: options.redis, subscriber: options.subscriber, queues, timing: options.timing,
    snapshot: options.snapshot, mailer: options.mailer, applyRetention: options.applyRetention ?? fleetRetention(options.cp, log), log,
  };
  const context = (job: Job): HandlerContext => ({ ...deps, job: factsOf(job) });
  const common = { connection, prefix: queues.prefix };

  // One fan-out at a time is plenty: it only reads ids and queues jobs.
  const fanoutWorker = new Worker<SnapshotFanoutPayload>(QUEUES.fanout, (job) => fanout.handle(job.data, context(job)), { ...common, concurrency: 1 });
  const nightlyWorker = new Worker<SnapshotNightlyPayload>(QUEUES.nightly, (job) => nightly.handle(job.data, context(job)), {
    ...common,
    concurrency: options.nightlyConcurrency ?? DEFAULT_NIGHTLY_CONCURRENCY,
  });
  for (const worker of [fanoutWorker, nightlyWorker] as Worker[]) {
    worker.on("failed", (job, error) => {
      // Nightly attempt failures are logged by the handler with their details; this is the rest.
      if (error instanceof nightly.NightlyAttemptError) return;
      log({ level: "error", message: "job failed", queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, error: String(error) });
    });
    worker.on("error", (error) => log({ level: "error", message: "worker error", queue: worker.name, error: String(error) }));
  }
  await Promise.all([fanoutWorker.waitUntilReady(), nightlyWorker.waitUntilReady()]);
  if (options.schedule !== false) await upsertNightlySchedule(queues);
  log({ level: "info", message: "workers started", prefix: queues.prefix, nightlyConcurrency: nightlyWorker.concurrency, ...options.timing });

  return {
    queues,
    fanout: fanoutWorker,
    nightly: nightlyWorker,
    async close() {
      await Promise.all([fanoutWorker.close(), nightlyWorker.close()]);
      await queues.close();
    },
  };
}

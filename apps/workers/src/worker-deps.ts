// What the handlers are given: the adapters the composition root (main.ts, or a test) built, and
// the facts about the job being run. Handlers never read the environment or open connections.
import type { Redis } from "ioredis";
import type { ControlPlane } from "@nacre/fleet";
import type { InitialRestoreTiming, JobQueues, NightlyTiming } from "@nacre/jobs";
import type { Mailer } from "./mailer.ts";
import type { Metrics } from "./ops/metrics.ts";

export type Log = (entry: Record<string, unknown>) => void;

/** How long a nightly attempt waits on the agent (see runSnapshot). */
export interface SnapshotTimeouts {
  acceptTimeoutMs: number;
  resendEveryMs: number;
  outcomeTimeoutMs: number;
}

/** The initial restore (a resubscribed customer's snapshot onto their fresh VM): its retries and waits. */
export interface InitialRestoreSettings extends InitialRestoreTiming {
  /** How often the sweep that queues the jobs runs. */
  sweepEveryMs: number;
  /** How long the agent may stay silent during the restore before the attempt is ended (see runRestore). */
  silenceTimeoutMs: number;
}

export interface WorkerDeps {
  cp: ControlPlane;
  /** Fleet connections: commands, and one in subscriber mode for command events. */
  redis: Redis;
  subscriber: Redis;
  queues: JobQueues;
  timing: NightlyTiming;
  snapshot: SnapshotTimeouts;
  initialRestore: InitialRestoreSettings;
  mailer: Mailer;
  /** GFS retention of the VM's nightly snapshots, run after each successful night. */
  applyRetention: (vmId: string) => Promise<unknown>;
  /** Snapshot outcomes counted for /metrics. */
  metrics: Metrics;
  log: Log;
}

export interface JobFacts {
  id: string;
  /** Attempts that already failed before this one (BullMQ's attemptsMade). */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** When the job was meant to run (a scheduler's fire time, else when it was queued). */
  scheduledAt: Date;
}

export interface HandlerContext extends WorkerDeps {
  job: JobFacts;
}

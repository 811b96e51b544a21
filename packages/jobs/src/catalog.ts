// The queue catalog: every job's name, the queue it travels on, its payload schema and its retry
// options. Producers (the scheduler, the fan-out, later the dashboard) and consumers (apps/workers)
// both read this file, so a payload that one side writes the other can parse. New payload fields
// must be optional: jobs already queued (some wait an hour to retry) still have to validate.
import * as z from "zod";
import {
  CustomerPurgePayload, CustomerPurgeSweepPayload, ExportNowPayload, RestoreRunPayload, VmFinalBackupPayload, VmInitialRestorePayload, VmInitialRestoreSweepPayload,
} from "./lifecycle-payloads.ts";
import { Night } from "./night.ts";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

export const SnapshotFanoutPayload = z.object({
  /** The night to back up. Absent from scheduled runs (the night is the UTC date of the fire time). */
  night: Night.optional(),
});
export type SnapshotFanoutPayload = z.infer<typeof SnapshotFanoutPayload>;

export const SnapshotNightlyPayload = z.object({
  vmId: z.uuid(),
  night: Night,
});
export type SnapshotNightlyPayload = z.infer<typeof SnapshotNightlyPayload>;

/** BullMQ queue names (no ":"); one queue per job name, so each gets its own worker concurrency. */
export const QUEUES = {
  fanout: "snapshot-fanout",
  nightly: "snapshot-nightly",
  exportNow: "export-now",
  finalBackup: "vm-final-backup",
  purge: "customer-purge",
  purgeSweep: "customer-purge-sweep",
  initialRestore: "vm-initial-restore",
  initialRestoreSweep: "vm-initial-restore-sweep",
  restoreRun: "restore-run",
} as const;

export const JOBS = {
  "snapshot.fanout": {
    queue: QUEUES.fanout,
    payload: SnapshotFanoutPayload,
    // Re-running is harmless (job ids are deterministic), so a fan-out that hit a database hiccup
    // simply runs again a minute later.
    attempts: 3,
    backoff: { type: "exponential", delay: MINUTE },
  },
  "snapshot.nightly": {
    queue: QUEUES.nightly,
    payload: SnapshotNightlyPayload,
    // "A failed night is retried once an hour for the next six hours": the first try and six retries.
    attempts: 7,
    backoff: { type: "fixed", delay: HOUR },
  },
  "export.now": {
    queue: QUEUES.exportNow,
    payload: ExportNowPayload,
    // The customer is waiting for the email: three tries a few minutes apart (an agent busy with its
    // nightly answers E_SNAPSHOT_IN_FLIGHT), then the export is marked failed in words.
    attempts: 3,
    backoff: { type: "exponential", delay: 2 * MINUTE },
  },
  "vm.final-backup": {
    queue: QUEUES.finalBackup,
    payload: VmFinalBackupPayload,
    // The nightly's retry window: once an hour for six hours; after that the newest nightly is held instead.
    attempts: 7,
    backoff: { type: "fixed", delay: HOUR },
  },
  "customer.purge": {
    queue: QUEUES.purge,
    payload: CustomerPurgePayload,
    // Every step is idempotent and a run finishes what a failed one left, so keep trying for about a
    // day (1 min doubling, capped by the daily sweep that re-queues a purge that gave up).
    attempts: 10,
    backoff: { type: "exponential", delay: MINUTE },
  },
  "customer.purge-sweep": {
    queue: QUEUES.purgeSweep,
    payload: CustomerPurgeSweepPayload,
    attempts: 3,
    backoff: { type: "exponential", delay: MINUTE },
  },
  "vm.initial-restore": {
    queue: QUEUES.initialRestore,
    payload: VmInitialRestorePayload,
    // A fresh VM's agent comes online minutes after it enrolled, and a busy agent or a cut download
    // clears up: 30 s doubling between 13 attempts spans about 34 hours. After that (or at once for a
    // failure retrying cannot fix) the wish is recorded as failed and support decides.
    attempts: 13,
    backoff: { type: "exponential", delay: 30 * 1000 },
  },
  "vm.initial-restore-sweep": {
    queue: QUEUES.initialRestoreSweep,
    payload: VmInitialRestoreSweepPayload,
    attempts: 1,
    backoff: { type: "fixed", delay: MINUTE },
  },
  "restore.run": {
    queue: QUEUES.restoreRun,
    payload: RestoreRunPayload,
    // A support restore overwrites /data: it is never retried behind support's back. A failure ends
    // the restore row (with /data untouched or rolled back) and support decides what happens next.
    attempts: 1,
    backoff: { type: "fixed", delay: MINUTE },
  },
} as const;
export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["payload"]>;

/** The scheduler that fires the nightly fan-out: 03:00 UTC every day. */
export const NIGHTLY_SCHEDULE = { id: "snapshot.fanout", pattern: "0 3 * * *", tz: "UTC" } as const;

/** The safety net of the delayed purges: every day at 04:00 UTC, queue the purges that are due. */
export const PURGE_SWEEP_SCHEDULE = { id: "customer.purge-sweep", pattern: "0 4 * * *", tz: "UTC" } as const;

/**
 * How often the initial-restore sweep looks for wishes bound to a freshly enrolled VM (the enrollment
 * writes the binding; this sweep turns it into a job). It is the trigger, so it runs often; each run
 * is one indexed query. The fresh VM's app waits at most this long extra (wait-ready).
 */
export const INITIAL_RESTORE_SWEEP = { id: "vm.initial-restore-sweep", everyMs: 30 * 1000 } as const;

/** How many nightly jobs one addBulk call carries (and how many VMs the fan-out reads per page). */
export const FANOUT_BATCH = 1_000;

/**
 * Timing of the nightly window. Production uses the defaults; tests compress them to milliseconds.
 * The retry delay is written into each job when it is enqueued, so a change applies from the next
 * fan-out on.
 */
export interface NightlyTiming {
  /** Delay between attempts of one night (fixed backoff). */
  retryDelayMs: number;
  /** The window over which the fan-out spreads the fleet's start times. */
  spreadMs: number;
}

export const DEFAULT_NIGHTLY_TIMING: NightlyTiming = { retryDelayMs: JOBS["snapshot.nightly"].backoff.delay, spreadMs: 15 * MINUTE };

/**
 * How long finished jobs stay in Redis. A nightly job's id is its dedup key: while it is kept, a
 * re-run of that night's fan-out adds nothing. Past that, the handler's own check (a night that
 * succeeded or failed is final) keeps a late re-run from doing anything.
 */
export const KEEP_COMPLETED = { age: 36 * 60 * 60 };
export const KEEP_FAILED = { age: 7 * 24 * 60 * 60 };

/** The nightly job's id: one job per VM per night, whoever enqueues it and however often. */
export function nightlyJobId(vmId: string, night: Night): string {
  // Exactly two colons: BullMQ 5 refuses custom ids with any other number of them.
  return `nightly:${vmId.toLowerCase()}:${night}`;
}

/**
 * The purge's id: one job per customer and cancellation. BullMQ 5 accepts custom ids with no colon or
 * exactly two, so `purge:<customerId>` (one) is not possible; the purge date makes the third part,
 * which also keeps a second cancellation (after a resubscribe) from colliding with a kept old job.
 */
export function purgeJobId(customerId: string, purgeAt: Date): string {
  return `purge:${customerId.toLowerCase()}:${purgeAt.getTime()}`;
}

/** The final backup's id: one per VM (a VM is deleted once). */
export function finalBackupJobId(vmId: string): string {
  return `final-backup-${vmId.toLowerCase()}`;
}

/**
 * The initial restore's id: one per VM and wish (the wish's request time, so a customer who cancels and
 * resubscribes again gets a new job, not the kept old one). Exactly two colons, as BullMQ 5 wants.
 */
export function initialRestoreJobId(vmId: string, requestedAt: Date): string {
  return `initial-restore:${vmId.toLowerCase()}:${requestedAt.getTime()}`;
}

/** A support restore's job id: the restore's own id (no colons, as BullMQ 5 wants for custom ids). */
export function restoreRunJobId(restoreId: string): string {
  return `restore-${restoreId.toLowerCase()}`;
}

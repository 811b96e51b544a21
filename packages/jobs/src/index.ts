// @nacre/jobs: the queue catalog shared by producers and consumers: job name → queue, payload schema,
// attempts and backoff; deterministic job ids; typed enqueue helpers and the nightly scheduler.
// Handlers live with their consumer (apps/workers); only names, shapes and retry rules live here.
export { Night, nightOf, previousNight } from "./night.ts";
export { spreadDelayMs } from "./spread.ts";
export {
  DEFAULT_NIGHTLY_TIMING, FANOUT_BATCH, finalBackupJobId, JOBS, KEEP_COMPLETED, KEEP_FAILED, NIGHTLY_SCHEDULE, nightlyJobId,
  PURGE_SWEEP_SCHEDULE, purgeJobId, QUEUES, restoreRunJobId, SnapshotFanoutPayload, SnapshotNightlyPayload,
} from "./catalog.ts";
export { CustomerPurgePayload, CustomerPurgeSweepPayload, ExportNowPayload, RestoreRunPayload, VmFinalBackupPayload } from "./lifecycle-payloads.ts";
export {
  cancelScheduledPurge, enqueueDuePurge, enqueueExport, enqueueFinalBackup, enqueueRestoreRun, lifecycleQueue, schedulePurge, upsertPurgeSweepSchedule,
} from "./lifecycle-queues.ts";
export type { FinalBackupTiming, LifecycleQueue } from "./lifecycle-queues.ts";
export type { JobName, JobPayload, NightlyTiming } from "./catalog.ts";
export {
  DEFAULT_PREFIX, enqueueFanout, enqueueNightlies, nightlyJobOptions, openJobQueues, scheduledAt, upsertNightlySchedule,
} from "./queues.ts";
export type { JobQueues, QueueOptions } from "./queues.ts";
export {
  INITIAL_RESTORE_SWEEP, initialRestoreJobId,
} from "./catalog.ts";
export { VmInitialRestorePayload, VmInitialRestoreSweepPayload } from "./lifecycle-payloads.ts";
export { DEFAULT_INITIAL_RESTORE_TIMING, ensureInitialRestoreJob, upsertInitialRestoreSweepSchedule } from "./initial-restore-queues.ts";
export type { InitialRestoreTiming } from "./initial-restore-queues.ts";

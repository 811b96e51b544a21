// @nacre/fleet: the control plane's side of the agent link, shared by the gateway and the workers.
// The Redis registry of which gateway holds which agent, command routing with at-least-once delivery,
// and managed snapshots: start (key, grant, multipart upload), part URLs, finish, fail, sweep; and
// retention: nightly GFS pruning per VM and the sweep of expired holds (docs/retention.md).
export { locateAgent, refreshAgents, registerAgent, REGISTRY_TTL_SECONDS, unregisterAgent } from "./agent-registry.ts";
export { CommandError, commandChannel, disconnectAgent, gatewayChannel, publishCommandEvent, sendCommand, watchCommand } from "./command-bus.ts";
export type { CommandEvent, CommandWatch, RoutedCommand, SendOptions } from "./command-bus.ts";
export { PART_URL_LIFETIME_SECONDS, UPLOAD_LIFETIME_MS } from "./control-plane.ts";
export type { BucketSigner, ControlPlane } from "./control-plane.ts";
export { buildControlPlane, ControlPlaneEnv, readEnvConfig } from "./control-plane-config.ts";
export { SnapshotStartError, startSnapshot } from "./snapshots/start-snapshot.ts";
export type { StartedSnapshot, StartSnapshotInput } from "./snapshots/start-snapshot.ts";
export { presignParts } from "./snapshots/presign-parts.ts";
export { finishSnapshot } from "./snapshots/finish-snapshot.ts";
export type { DoneReport } from "./snapshots/finish-snapshot.ts";
export { failSnapshot, sweepExpiredUploads } from "./snapshots/fail-snapshot.ts";
export { SnapshotReportError } from "./snapshots/snapshot-outcome.ts";
export type { SnapshotOutcome } from "./snapshots/snapshot-outcome.ts";
export { runSnapshot } from "./snapshots/run-snapshot.ts";
export type { RunSnapshotOptions } from "./snapshots/run-snapshot.ts";
export { applyRetention } from "./retention/apply-retention.ts";
export type { RetentionOutcome } from "./retention/apply-retention.ts";
export { sweepExpiredHolds } from "./retention/sweep-expired-holds.ts";
export type { SweepHoldsOptions } from "./retention/sweep-expired-holds.ts";
export { deleteSnapshots } from "./retention/delete-snapshots.ts";
export type { DeletionFailure, DeletionOutcome } from "./retention/delete-snapshots.ts";
// The lifecycle's request functions (dashboard, billing, support) and the purge itself (docs/workers.md).
export { AGENT_ONLINE_WINDOW_MS, ExportRequestError, requestExport } from "./exports/request-export.ts";
export type { ExportRequested, ExportRequestErrorCode, RequestExportDeps } from "./exports/request-export.ts";
export { cancelCustomer } from "./customers/cancel-customer.ts";
export type { CancelCustomerDeps, CustomerCancelled } from "./customers/cancel-customer.ts";
export { resubscribeCustomer } from "./customers/resubscribe-customer.ts";
export type { CustomerResubscribed, ResubscribeCustomerDeps } from "./customers/resubscribe-customer.ts";
export { CustomerLifecycleError, PURGE_AFTER_MS } from "./customers/lifecycle-errors.ts";
export type { CustomerLifecycleErrorCode } from "./customers/lifecycle-errors.ts";
export { purgeCustomer, PurgeIncompleteError } from "./customers/purge-customer.ts";
export type { PurgeOutcome } from "./customers/purge-customer.ts";
export { requestVmDeletion } from "./vms/request-vm-deletion.ts";
export type { RequestVmDeletionDeps } from "./vms/request-vm-deletion.ts";
// Support-operated restores (docs/restore.md, docs/runbooks/restore.md).
export { prepareRestoreCommand, RESTORE_URL_LIFETIME_SECONDS, startRestore } from "./restores/start-restore.ts";
export type { StartedRestore, StartRestoreInput } from "./restores/start-restore.ts";
export { continueRestore, runRestore } from "./restores/run-restore.ts";
export { runRecordedRestore } from "./restores/run-recorded-restore.ts";
export { fetchHeader } from "./restores/read-key-slot.ts";
export type { RecordedRestoreResult } from "./restores/run-recorded-restore.ts";
export type { RestoreOutcome, RunRestoreOptions } from "./restores/run-restore.ts";
export { RestoreStartError } from "./restores/restore-errors.ts";
export type { RestoreErrorCode } from "./restores/restore-errors.ts";
// The restore owed to a resubscribed customer, onto their fresh VM (docs/restore.md, "Restore onto a fresh VM").
export { restoreOntoFreshVm, safetySnapshotSkipReason } from "./restores/restore-onto-fresh-vm.ts";
export type { FreshVmRestoreOptions, FreshVmRestoreResult } from "./restores/restore-onto-fresh-vm.ts";

// @nacre/db: the control plane's Postgres access. Dashboard code runs its queries through
// withUserSession (row-level security applies); workers and the gateway through withServiceSession.
// Migrations live in the repository's supabase/ folder; `@nacre/db/migrate` applies them locally
// (a separate entry, so the dashboard's bundle never includes the migration files' paths).
export { connect } from "./connect.ts";
export type { ConnectOptions, Sql, TransactionSql } from "./connect.ts";
export { withUserSession } from "./session/with-user-session.ts";
export { withServiceSession } from "./session/with-service-session.ts";
export { sessionClaims } from "./session/verified-session.ts";
export type { VerifiedSession } from "./session/verified-session.ts";
export { CustomerKeyError, customerKeyById, customerKeyForNewSnapshot, destroyCustomerKey } from "./keys/customer-keys.ts";
export type { CustomerKey, CustomerKeyErrorCode } from "./keys/customer-keys.ts";
export { createEnrollmentToken, enrollAgent, EnrollmentError, findAgentIdentity, revokeAgentIdentity } from "./agents/enrollment.ts";
export type { AgentIdentity, EnrollInput, EnrollmentErrorCode } from "./agents/enrollment.ts";
export { recordAgentHello, recordHeartbeats } from "./agents/record-heartbeats.ts";
export type { HeartbeatRecord } from "./agents/record-heartbeats.ts";
export {
  completeSnapshotUpload,
  endSnapshotUpload,
  findSnapshotUpload,
  listExpiredUploads,
  openSnapshotUpload,
  UploadConflictError,
} from "./snapshots/snapshot-uploads.ts";
export type { OpenUploadInput, Region, SnapshotKind, SnapshotUpload } from "./snapshots/snapshot-uploads.ts";
export {
  deleteSnapshotRow,
  listHoldsToSweep,
  listNightlySnapshots,
  markHeldDeleting,
  markNightliesDeleting,
} from "./snapshots/snapshot-deletion.ts";
export type { SnapshotRecord } from "./snapshots/snapshot-deletion.ts";
export { appendAudit } from "./lifecycle/audit.ts";
export type { AuditEntry } from "./lifecycle/audit.ts";
export {
  ExportInFlightError, findExport, markExportRunning, openExport, recordExportEmailed, recordExportFailed, recordExportSnapshot,
} from "./lifecycle/exports.ts";
export type { ExportRecord, ExportStatus } from "./lifecycle/exports.ts";
export {
  deleteCustomerSnapshotRows, findCustomerPlan, listOpenUploads, listPurgesDue, markCustomerCancelled, markCustomerPurged,
  markCustomerResubscribed, markCustomerSnapshotsDeleting, markUploadAborted,
} from "./lifecycle/customers.ts";
export type { CustomerPlan, PlanState } from "./lifecycle/customers.ts";
export { findVmForDeletion, holdNewestNightlyAsFinal, markVmDeleting, markVmDeletionReady } from "./lifecycle/vm-deletion.ts";
export type { VmForDeletion } from "./lifecycle/vm-deletion.ts";
export {
  findRestore, findSnapshotForRestore, finishRestore, openRestore, recordRestoreStep, RestoreInFlightError,
} from "./restores/restores.ts";
export type { RestorableSnapshot, RestoreRecord, RestoreStatus } from "./restores/restores.ts";
export {
  bindInitialRestore, findBoundInitialRestore, initialRestoreStatus, listBoundInitialRestores, markInitialRestoreDone,
  markInitialRestoreFailed, rearmInitialRestore, unbindInitialRestore,
} from "./restores/initial-restore.ts";
export type { BoundInitialRestore, InitialRestoreState, InitialRestoreStatus } from "./restores/initial-restore.ts";

// Payloads of the lifecycle jobs (export, VM deletion, purge). Each names only the row the handler
// starts from; the tenant is read from that row, never taken from the payload.
import * as z from "zod";

export const ExportNowPayload = z.object({
  /** The exports row the dashboard's request opened; also the job's id. */
  exportId: z.uuid(),
});
export type ExportNowPayload = z.infer<typeof ExportNowPayload>;

export const VmFinalBackupPayload = z.object({
  vmId: z.uuid(),
});
export type VmFinalBackupPayload = z.infer<typeof VmFinalBackupPayload>;

export const CustomerPurgePayload = z.object({
  customerId: z.uuid(),
});
export type CustomerPurgePayload = z.infer<typeof CustomerPurgePayload>;

export const CustomerPurgeSweepPayload = z.object({});
export type CustomerPurgeSweepPayload = z.infer<typeof CustomerPurgeSweepPayload>;

export const VmInitialRestorePayload = z.object({
  /** The fresh VM the customer's restore wish is bound to; the wish itself is read from the database. */
  vmId: z.uuid(),
});
export type VmInitialRestorePayload = z.infer<typeof VmInitialRestorePayload>;

export const VmInitialRestoreSweepPayload = z.object({});
export type VmInitialRestoreSweepPayload = z.infer<typeof VmInitialRestoreSweepPayload>;

export const RestoreRunPayload = z.object({
  /** A restore the support console recorded (status `requested`); the worker carries it to its end. */
  restoreId: z.uuid(),
});
export type RestoreRunPayload = z.infer<typeof RestoreRunPayload>;

// What a customer's pages read. Every query runs through withUserSession, so row-level security
// decides what exists: another customer's VM or snapshot is simply not found (the page answers 404).
import "server-only";
import { withUserSession } from "@nacre/db";
import type { VerifiedSession } from "@nacre/db";
import { services } from "../services.ts";
import { toVmRow, VM_COLUMNS } from "./vm-status.ts";
import type { VmRow } from "./vm-status.ts";

export interface SnapshotRow {
  id: string;
  vmId: string;
  kind: "nightly" | "export" | "final" | "pre-restore";
  region: "SG" | "US" | "EU";
  bucket: string;
  objectKey: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
  completedAt: Date;
  holdUntil: Date | null;
}

export interface NightRow {
  night: string;
  status: string;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
  finishedAt: Date | null;
}

export interface ExportRow {
  id: string;
  status: "queued" | "running" | "emailed" | "failed";
  emailTo: string | null;
  linkExpiresAt: Date | null;
  emailSentAt: Date | null;
  snapshotId: string | null;
  error: string | null;
  createdAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed uuid; anything else is answered 404 without a query. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The signed-in customer's VMs (deleted ones are left out), oldest first. */
export async function listMyVms(session: VerifiedSession): Promise<VmRow[]> {
  return withUserSession(services().sql, session, async (tx) => {
    const rows = await tx.unsafe(`select ${VM_COLUMNS} from public.vms v
      where v.customer_id = $1 and v.status <> 'deleted' order by v.created_at`, [session.userId]);
    return rows.map(toVmRow);
  });
}

export interface VmBackups {
  vm: VmRow;
  snapshots: SnapshotRow[];
  nights: NightRow[];
  exports: ExportRow[];
}

/** One VM's backups page, or null when the VM is not the customer's (or does not exist). */
export async function vmBackups(session: VerifiedSession, vmId: string): Promise<VmBackups | null> {
  if (!isUuid(vmId)) return null;
  return withUserSession(services().sql, session, async (tx) => {
    const [vm] = await tx.unsafe(`select ${VM_COLUMNS} from public.vms v where v.id = $1 and v.customer_id = $2`, [vmId, session.userId]);
    if (!vm) return null;
    const snapshots = await tx`select * from public.snapshots
      where vm_id = ${vmId} and status = 'completed' order by created_at desc limit 14`;
    const nights = await tx`select night::text as night, status::text as status, attempts, last_error_code, last_error, finished_at
      from public.backup_nights where vm_id = ${vmId} order by night desc limit 7`;
    const exports = await tx`select * from public.exports where vm_id = ${vmId} order by created_at desc limit 5`;
    return { vm: toVmRow(vm), snapshots: snapshots.map(toSnapshotRow), nights: nights.map(toNightRow), exports: exports.map(toExportRow) };
  });
}

/** One of the customer's completed snapshots, or null. */
export async function mySnapshot(session: VerifiedSession, snapshotId: string): Promise<(SnapshotRow & { hostname: string }) | null> {
  if (!isUuid(snapshotId)) return null;
  return withUserSession(services().sql, session, async (tx) => {
    const [row] = await tx`select s.*, v.hostname from public.snapshots s join public.vms v on v.id = s.vm_id
      where s.id = ${snapshotId} and s.customer_id = ${session.userId} and s.status = 'completed'`;
    return row ? { ...toSnapshotRow(row), hostname: row["hostname"] as string } : null;
  });
}

/** One of the customer's exports (for the Export now button's progress), or null. */
export async function myExport(session: VerifiedSession, exportId: string): Promise<ExportRow | null> {
  if (!isUuid(exportId)) return null;
  return withUserSession(services().sql, session, async (tx) => {
    const [row] = await tx`select * from public.exports where id = ${exportId} and customer_id = ${session.userId}`;
    return row ? toExportRow(row) : null;
  });
}

export function toSnapshotRow(r: Record<string, unknown>): SnapshotRow {
  return {
    id: r["id"] as string,
    vmId: r["vm_id"] as string,
    kind: r["kind"] as SnapshotRow["kind"],
    region: r["region"] as SnapshotRow["region"],
    bucket: r["bucket"] as string,
    objectKey: r["object_key"] as string,
    sizeBytes: Number(r["size_bytes"]),
    sha256: r["sha256"] as string,
    createdAt: r["created_at"] as Date,
    completedAt: r["completed_at"] as Date,
    holdUntil: (r["hold_until"] as Date | null) ?? null,
  };
}

export function toNightRow(r: Record<string, unknown>): NightRow {
  return {
    night: r["night"] as string,
    status: r["status"] as string,
    attempts: Number(r["attempts"]),
    lastErrorCode: (r["last_error_code"] as string | null) ?? null,
    lastError: (r["last_error"] as string | null) ?? null,
    finishedAt: (r["finished_at"] as Date | null) ?? null,
  };
}

export function toExportRow(r: Record<string, unknown>): ExportRow {
  return {
    id: r["id"] as string,
    status: r["status"] as ExportRow["status"],
    emailTo: (r["email_to"] as string | null) ?? null,
    linkExpiresAt: (r["link_expires_at"] as Date | null) ?? null,
    emailSentAt: (r["email_sent_at"] as Date | null) ?? null,
    snapshotId: (r["snapshot_id"] as string | null) ?? null,
    error: (r["error"] as string | null) ?? null,
    createdAt: r["created_at"] as Date,
  };
}

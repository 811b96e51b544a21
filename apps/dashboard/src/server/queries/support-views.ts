// What the support console reads. Support staff see every tenant through the same RLS policies
// (private.is_support()), so these queries also run through withUserSession: a support account that
// is disabled sees nothing, exactly as the database says.
import "server-only";
import { withUserSession } from "@nacre/db";
import type { VerifiedSession } from "@nacre/db";
import { services } from "../services.ts";
import { isUuid, toExportRow, toNightRow, toSnapshotRow } from "./customer-views.ts";
import type { ExportRow, NightRow, SnapshotRow } from "./customer-views.ts";
import { toVmRow, VM_COLUMNS } from "./vm-status.ts";
import type { VmRow } from "./vm-status.ts";

export interface CustomerSummary {
  id: string;
  email: string;
  planState: string;
  purgeAt: Date | null;
  vmCount: number;
}

export interface SearchHit {
  customer: CustomerSummary;
  vms: { id: string; hostname: string; region: string; status: string }[];
}

/** Customers matching an email fragment, a hostname fragment, or a customer or VM id. */
export async function searchAccounts(session: VerifiedSession, query: string): Promise<SearchHit[]> {
  const q = query.trim().toLowerCase();
  if (q.length < 2) return [];
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const exact = isUuid(q) ? q : null;
  return withUserSession(services().sql, session, async (tx) => {
    const customers = await tx`select c.id, c.email, c.plan_state::text as plan_state, c.purge_at,
        (select count(*) from public.vms v where v.customer_id = c.id and v.status <> 'deleted')::int as vm_count
      from public.customers c
      where lower(c.email) like ${like}
         or c.id::text = ${exact}
         or exists (select 1 from public.vms v where v.customer_id = c.id and (lower(v.hostname) like ${like} or v.id::text = ${exact}))
      order by c.email limit 25`;
    if (customers.length === 0) return [];
    const ids = customers.map((c) => c["id"] as string);
    const vms = await tx`select id, customer_id, hostname, region::text as region, status::text as status
      from public.vms where customer_id = any(${ids}::uuid[]) order by created_at`;
    return customers.map((c) => ({
      customer: toCustomer(c),
      vms: vms.filter((v) => v["customer_id"] === c["id"]).map((v) => ({ id: v["id"] as string, hostname: v["hostname"] as string, region: v["region"] as string, status: v["status"] as string })),
    }));
  });
}

/** A resubscribed customer's restore onto their fresh VM (docs/restore.md), as the customer row has it. */
export interface InitialRestoreWish {
  snapshotId: string | null;
  requestedAt: Date;
  vmId: string | null;
  failedAt: Date | null;
  error: string | null;
}

export interface CustomerDetail {
  customer: CustomerSummary & { cancelledAt: Date | null; createdAt: Date; initialRestore: InitialRestoreWish | null };
  vms: VmRow[];
}

/** One customer and their VMs (deleted ones included), or null. */
export async function customerDetail(session: VerifiedSession, customerId: string): Promise<CustomerDetail | null> {
  if (!isUuid(customerId)) return null;
  return withUserSession(services().sql, session, async (tx) => {
    const [c] = await tx`select c.*, c.plan_state::text as plan_state, 0 as vm_count from public.customers c where c.id = ${customerId}`;
    if (!c) return null;
    const vms = await tx.unsafe(`select ${VM_COLUMNS} from public.vms v where v.customer_id = $1 order by v.created_at`, [customerId]);
    return {
      customer: {
        ...toCustomer(c), vmCount: vms.length, cancelledAt: (c["cancelled_at"] as Date | null) ?? null, createdAt: c["created_at"] as Date,
        initialRestore: c["restore_requested_at"] ? {
          snapshotId: (c["restore_snapshot_id"] as string | null) ?? null,
          requestedAt: c["restore_requested_at"] as Date,
          vmId: (c["restore_vm_id"] as string | null) ?? null,
          failedAt: (c["restore_failed_at"] as Date | null) ?? null,
          error: (c["restore_error"] as string | null) ?? null,
        } : null,
      },
      vms: vms.map(toVmRow),
    };
  });
}

export interface RestoreRow {
  id: string;
  snapshotId: string | null;
  status: string;
  step: string | null;
  error: string | null;
  requestedBy: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface VmDetail {
  vm: VmRow & { customerId: string; customerEmail: string };
  snapshots: SnapshotRow[];
  nights: NightRow[];
  exports: ExportRow[];
  restores: RestoreRow[];
}

/** Everything support looks at for one VM, or null. */
export async function vmDetail(session: VerifiedSession, vmId: string): Promise<VmDetail | null> {
  if (!isUuid(vmId)) return null;
  return withUserSession(services().sql, session, async (tx) => {
    const [vm] = await tx.unsafe(`select ${VM_COLUMNS}, v.customer_id, c.email as customer_email
      from public.vms v join public.customers c on c.id = v.customer_id where v.id = $1`, [vmId]);
    if (!vm) return null;
    const snapshots = await tx`select * from public.snapshots where vm_id = ${vmId} and status = 'completed' order by created_at desc limit 30`;
    const nights = await tx`select night::text as night, status::text as status, attempts, last_error_code, last_error, finished_at
      from public.backup_nights where vm_id = ${vmId} order by night desc limit 14`;
    const exports = await tx`select * from public.exports where vm_id = ${vmId} order by created_at desc limit 10`;
    const restores = await tx`select * from public.restores where vm_id = ${vmId} order by created_at desc limit 10`;
    return {
      vm: { ...toVmRow(vm), customerId: vm["customer_id"] as string, customerEmail: vm["customer_email"] as string },
      snapshots: snapshots.map(toSnapshotRow),
      nights: nights.map(toNightRow),
      exports: exports.map(toExportRow),
      restores: restores.map(toRestoreRow),
    };
  });
}

export interface AuditRow {
  id: number;
  at: Date;
  actorKind: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  customerId: string | null;
  vmId: string | null;
  snapshotId: string | null;
  details: Record<string, unknown>;
}

/** The newest audit entries, optionally for one customer or VM. */
export async function auditLog(session: VerifiedSession, filter: { customerId?: string; vmId?: string; limit?: number }): Promise<AuditRow[]> {
  const customerId = filter.customerId && isUuid(filter.customerId) ? filter.customerId : null;
  const vmId = filter.vmId && isUuid(filter.vmId) ? filter.vmId : null;
  return withUserSession(services().sql, session, async (tx) => {
    const rows = await tx`select a.*, a.actor_kind::text as actor_kind, u.email as actor_email
      from public.audit_log a left join public.customers u on u.id = a.actor_id
      where (${customerId}::uuid is null or a.customer_id = ${customerId}::uuid)
        and (${vmId}::uuid is null or a.vm_id = ${vmId}::uuid)
      order by a.at desc, a.id desc limit ${Math.min(filter.limit ?? 100, 500)}`;
    return rows.map((r) => ({
      id: Number(r["id"]),
      at: r["at"] as Date,
      actorKind: r["actor_kind"] as string,
      actorId: (r["actor_id"] as string | null) ?? null,
      actorEmail: (r["actor_email"] as string | null) ?? null,
      action: r["action"] as string,
      customerId: (r["customer_id"] as string | null) ?? null,
      vmId: (r["vm_id"] as string | null) ?? null,
      snapshotId: (r["snapshot_id"] as string | null) ?? null,
      details: (r["details"] as Record<string, unknown>) ?? {},
    }));
  });
}

export function toRestoreRow(r: Record<string, unknown>): RestoreRow {
  return {
    id: r["id"] as string,
    snapshotId: (r["snapshot_id"] as string | null) ?? null,
    status: String(r["status"]),
    step: (r["step"] as string | null) ?? null,
    error: (r["error"] as string | null) ?? null,
    requestedBy: (r["requested_by"] as string | null) ?? null,
    createdAt: r["created_at"] as Date,
    finishedAt: (r["finished_at"] as Date | null) ?? null,
  };
}

function toCustomer(c: Record<string, unknown>): CustomerSummary {
  return {
    id: c["id"] as string,
    email: c["email"] as string,
    planState: c["plan_state"] as string,
    purgeAt: (c["purge_at"] as Date | null) ?? null,
    vmCount: Number(c["vm_count"] ?? 0),
  };
}

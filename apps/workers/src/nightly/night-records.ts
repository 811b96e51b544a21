// What a nightly job reads and writes in Postgres: the VM and its customer (the tenant comes from
// here, never from the payload), one backup_nights row per VM and UTC night, and the VM's banner
// columns. Every statement runs as the service role.
import { withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import type { Night } from "@nacre/jobs";

export interface NightlyVm {
  vmId: string;
  customerId: string;
  hostname: string;
  vmStatus: string;
  planState: string;
  email: string;
}

/** The VM with its customer, or undefined when no such VM exists. */
export async function findNightlyVm(sql: Sql, vmId: string): Promise<NightlyVm | undefined> {
  const [row] = await withServiceSession(sql, (tx) => tx`
    select v.id, v.customer_id, v.hostname, v.status::text as vm_status, c.plan_state::text as plan_state, c.email
    from public.vms v join public.customers c on c.id = v.customer_id
    where v.id = ${vmId}`);
  if (!row) return undefined;
  return {
    vmId: row["id"] as string,
    customerId: row["customer_id"] as string,
    hostname: row["hostname"] as string,
    vmStatus: row["vm_status"] as string,
    planState: row["plan_state"] as string,
    email: row["email"] as string,
  };
}

/** Size of the VM's latest completed snapshot, to size the next upload's parts. */
export async function lastSnapshotBytes(sql: Sql, vmId: string): Promise<number | undefined> {
  const [row] = await withServiceSession(sql, (tx) => tx`
    select size_bytes from public.snapshots where vm_id = ${vmId} and status = 'completed'
    order by created_at desc limit 1`);
  return row ? Number(row["size_bytes"]) : undefined;
}

/**
 * Counts one more attempt on the VM's night and marks it running (the first attempt creates the
 * row and its started_at). Returns undefined, and changes nothing, when the night is already final
 * (succeeded or failed): that is what makes a repeated job a no-op.
 */
export async function recordAttempt(sql: Sql, vm: NightlyVm, night: Night, now: Date): Promise<{ attempt: number } | undefined> {
  const [row] = await withServiceSession(sql, (tx) => tx`
    insert into public.backup_nights as n (vm_id, customer_id, night, status, attempts, started_at)
    values (${vm.vmId}, ${vm.customerId}, ${night}, 'running', 1, ${now})
    on conflict (vm_id, night) do update set attempts = n.attempts + 1, status = 'running'
      where n.status not in ('succeeded', 'failed')
    returning attempts`);
  return row ? { attempt: Number(row["attempts"]) } : undefined;
}

/** The night succeeded: record its snapshot, and take the banner down (backups work again). */
export async function recordSuccess(sql: Sql, vmId: string, night: Night, snapshotId: string, now: Date): Promise<void> {
  await withServiceSession(sql, async (tx) => {
    await tx`update public.backup_nights set status = 'succeeded', snapshot_id = ${snapshotId}, finished_at = ${now},
        last_error_code = null, last_error = null
      where vm_id = ${vmId} and night = ${night}`;
    await tx`update public.vms set backup_alert_since = null, backup_alert_emailed_at = null
      where id = ${vmId} and (backup_alert_since is not null or backup_alert_emailed_at is not null)`;
  });
}

/** An attempt failed: keep the code and the customer's words; the last attempt makes the night failed. */
export async function recordFailure(
  sql: Sql,
  vmId: string,
  night: Night,
  failure: { code: string; words: string; final: boolean },
  now: Date,
): Promise<void> {
  await withServiceSession(sql, (tx) => tx`
    update public.backup_nights set status = ${failure.final ? "failed" : "retrying"},
      last_error_code = ${failure.code}, last_error = ${failure.words}, finished_at = ${failure.final ? now : null}
    where vm_id = ${vmId} and night = ${night}`);
}

export interface Banner {
  /** The first failed night of the run (the banner's "since"). */
  since: Night;
  /** Whether the customer has already been emailed about this run of failures. */
  emailed: boolean;
}

/**
 * After a failed night: when the night before failed too, raise the banner (keeping an earlier
 * "since" if it is already up) and return it; otherwise undefined.
 */
export async function raiseBannerIfDue(sql: Sql, vmId: string, previous: Night): Promise<Banner | undefined> {
  return withServiceSession(sql, async (tx) => {
    const [before] = await tx`select status::text as status from public.backup_nights where vm_id = ${vmId} and night = ${previous}`;
    if (before?.["status"] !== "failed") return undefined;
    const [vm] = await tx`update public.vms set backup_alert_since = coalesce(backup_alert_since, ${previous}::date)
      where id = ${vmId}
      returning backup_alert_since::text as since, backup_alert_emailed_at is not null as emailed`;
    return vm ? { since: vm["since"] as Night, emailed: vm["emailed"] as boolean } : undefined;
  });
}

/** Records that the banner's email went out; false when another run had already recorded it. */
export async function markBannerEmailed(sql: Sql, vmId: string, now: Date): Promise<boolean> {
  const rows = await withServiceSession(sql, (tx) => tx`
    update public.vms set backup_alert_emailed_at = ${now}
    where id = ${vmId} and backup_alert_since is not null and backup_alert_emailed_at is null
    returning id`);
  return rows.length > 0;
}

// Facts the overview and the backups page derive from a VM row: is the agent online, when is the
// next nightly backup, and which banners to show. Pure functions of the row and the clock.
import "server-only";
import { AGENT_ONLINE_WINDOW_MS } from "@nacre/fleet";
import { spreadDelayMs } from "@nacre/jobs";

export interface VmRow {
  id: string;
  hostname: string;
  region: "SG" | "US" | "EU";
  status: "provisioning" | "active" | "deleting" | "deleted";
  lastHeartbeatAt: Date | null;
  agentEnrolledAt: Date | null;
  agentVersion: string | null;
  appStatus: string;
  diskFreeBytes: number | null;
  lastBackupSucceededAt: Date | null;
  lastBackupError: string | null;
  backupAlertSince: string | null;
}

/** The columns behind VmRow, for the queries that select them. */
export const VM_COLUMNS = `v.id, v.hostname, v.region::text as region, v.status::text as status, v.last_heartbeat_at,
  v.agent_enrolled_at, v.agent_version, v.app_status::text as app_status, v.disk_free_bytes,
  v.last_backup_succeeded_at, v.last_backup_error, v.backup_alert_since::text as backup_alert_since`;

/** A row of VM_COLUMNS as a VmRow. */
export function toVmRow(r: Record<string, unknown>): VmRow {
  return {
    id: r["id"] as string,
    hostname: r["hostname"] as string,
    region: r["region"] as VmRow["region"],
    status: r["status"] as VmRow["status"],
    lastHeartbeatAt: (r["last_heartbeat_at"] as Date | null) ?? null,
    agentEnrolledAt: (r["agent_enrolled_at"] as Date | null) ?? null,
    agentVersion: (r["agent_version"] as string | null) ?? null,
    appStatus: r["app_status"] as string,
    diskFreeBytes: r["disk_free_bytes"] === null || r["disk_free_bytes"] === undefined ? null : Number(r["disk_free_bytes"]),
    lastBackupSucceededAt: (r["last_backup_succeeded_at"] as Date | null) ?? null,
    lastBackupError: (r["last_backup_error"] as string | null) ?? null,
    backupAlertSince: (r["backup_alert_since"] as string | null) ?? null,
  };
}

/** Whether the agent's last heartbeat is recent enough to call it online. */
export function agentOnline(vm: VmRow, now: Date): boolean {
  return vm.lastHeartbeatAt !== null && now.getTime() - vm.lastHeartbeatAt.getTime() <= AGENT_ONLINE_WINDOW_MS;
}

/** When the VM's next nightly backup starts: the next 03:00 UTC plus its fixed place in the spread window. */
export function nextBackupAt(vm: VmRow, now: Date, spreadMs: number): Date | null {
  if (vm.status !== "active") return null;
  const offset = spreadDelayMs(vm.id, spreadMs);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3) + offset;
  return new Date(today > now.getTime() ? today : today + 24 * 60 * 60 * 1000);
}

/** How long an agent may be silent before the customer is told, beyond the online window's blips. */
export const OFFLINE_BANNER_AFTER_MS = 10 * 60 * 1000;

/** Since when the agent has been offline long enough for a banner, or null. */
export function offlineSince(vm: VmRow, now: Date): Date | null {
  if (vm.status !== "active" || vm.agentEnrolledAt === null) return null;
  const last = vm.lastHeartbeatAt ?? vm.agentEnrolledAt;
  return now.getTime() - last.getTime() > OFFLINE_BANNER_AFTER_MS ? last : null;
}

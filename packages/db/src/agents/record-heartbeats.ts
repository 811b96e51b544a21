// Heartbeats arrive every 30 s from every agent; the gateway buffers them and writes each batch with
// one statement, so ten thousand agents cost a few hundred statements a minute, not twenty thousand.
import type { TransactionSql } from "../connect.ts";

export interface HeartbeatRecord {
  vmId: string;
  at: Date;
  agentVersion: string;
  diskFreeBytes: number;
  appStatus: "running" | "paused" | "stopped" | "unknown";
  lastBackupSucceededAt: Date | null;
  lastBackupError: string | null;
  capabilities?: string[];
  gatewayId: string;
}

/** Writes the latest heartbeat of each VM in the batch; older duplicates in the batch are skipped. */
export async function recordHeartbeats(tx: TransactionSql, batch: HeartbeatRecord[]): Promise<number> {
  const latest = new Map<string, HeartbeatRecord>();
  for (const beat of batch) {
    const seen = latest.get(beat.vmId);
    if (!seen || seen.at <= beat.at) latest.set(beat.vmId, beat);
  }
  if (latest.size === 0) return 0;
  const beats = [...latest.values()];
  // Arrays travel as text: the driver cannot type an array of Dates, and unnest wants one type per column.
  const rows = await tx`update public.vms v set
      last_heartbeat_at = b.at,
      agent_version = b.agent_version,
      disk_free_bytes = b.disk_free,
      app_status = b.app_status::public.app_status,
      last_backup_succeeded_at = coalesce(b.last_success, v.last_backup_succeeded_at),
      last_backup_error = b.last_error,
      agent_last_seen_gateway = b.gateway
    from unnest(
      ${beats.map((b) => b.vmId)}::uuid[],
      ${beats.map((b) => b.at.toISOString())}::timestamptz[],
      ${beats.map((b) => b.agentVersion)}::text[],
      ${beats.map((b) => b.diskFreeBytes)}::bigint[],
      ${beats.map((b) => b.appStatus)}::text[],
      ${beats.map((b) => b.lastBackupSucceededAt?.toISOString() ?? null)}::timestamptz[],
      ${beats.map((b) => b.lastBackupError)}::text[],
      ${beats.map((b) => b.gatewayId)}::text[]
    ) as b(vm_id, at, agent_version, disk_free, app_status, last_success, last_error, gateway)
    where v.id = b.vm_id and (v.last_heartbeat_at is null or v.last_heartbeat_at <= b.at)
    returning v.id`;
  return rows.length;
}

/** Records what an agent announced when it authenticated. */
export async function recordAgentHello(tx: TransactionSql, vmId: string, agentVersion: string, capabilities: string[], gatewayId: string): Promise<void> {
  await tx`update public.vms set agent_version = ${agentVersion}, agent_capabilities = ${capabilities}::text[],
    agent_last_seen_gateway = ${gatewayId} where id = ${vmId}`;
}

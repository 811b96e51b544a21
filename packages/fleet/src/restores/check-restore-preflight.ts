// The restore's preflight on the control plane's side, before anything is done to the VM (the app is
// not paused, no safety snapshot is taken): the agent is online, and its last heartbeat reports room
// for the restore. The agent checks again on the VM with exact figures (perform-restore.ts); this
// check only spares a customer's app a pause and a safety snapshot for a restore that cannot run.
import type { TransactionSql } from "@nacre/db";
import { AGENT_ONLINE_WINDOW_MS } from "../exports/request-export.ts";

/** The multiple of the snapshot's size the agent wants free (the agent's EXPANSION_ESTIMATE). */
export const RESTORE_SPACE_FACTOR = 3;

export type PreflightVerdict =
  | { ok: true; message: string }
  | { ok: false; code: "E_AGENT_OFFLINE" | "E_DISK_SPACE"; message: string };

/** What the VM's last heartbeat says about restoring a snapshot of `sizeBytes` onto it now. */
export async function checkRestorePreflight(tx: TransactionSql, vmId: string, sizeBytes: number, now: Date): Promise<PreflightVerdict> {
  const [vm] = await tx`select last_heartbeat_at, agent_version, disk_free_bytes, app_status::text as app_status from public.vms where id = ${vmId}`;
  const heartbeat = (vm?.["last_heartbeat_at"] as Date | null) ?? null;
  if (heartbeat === null || now.getTime() - heartbeat.getTime() > AGENT_ONLINE_WINDOW_MS) {
    const since = heartbeat ? `since ${heartbeat.toISOString()}` : "ever";
    return { ok: false, code: "E_AGENT_OFFLINE", message: `the VM's agent has sent no heartbeat ${since}; check that the VM is running, then start the restore again` };
  }
  const free = vm?.["disk_free_bytes"] === null || vm?.["disk_free_bytes"] === undefined ? undefined : Number(vm["disk_free_bytes"]);
  const needed = sizeBytes * RESTORE_SPACE_FACTOR;
  if (free !== undefined && free < needed) {
    return { ok: false, code: "E_DISK_SPACE", message: `the VM reports ${free} bytes free; restoring this ${sizeBytes}-byte snapshot needs about ${needed} (${RESTORE_SPACE_FACTOR}× its size) — free some space or grow the volume first` };
  }
  const room = free === undefined ? "free space not reported yet (the agent checks it)" : `${free} bytes free (needs about ${needed})`;
  return { ok: true, message: `agent ${String(vm?.["agent_version"] ?? "?")} online; ${room}; app ${String(vm?.["app_status"] ?? "unknown")}` };
}

import { statfs } from "node:fs/promises";
import type { Heartbeat } from "@nacre/protocol";
import type { AppControl } from "./app-control.ts";
import type { SnapshotLedger } from "./snapshot-ledger.ts";

export interface HeartbeatSources {
  agentVersion: string;
  dataDir: string;
  app: AppControl;
  ledger: SnapshotLedger;
  busySnapshotId: () => string | null;
}

/** The heartbeat's payload, and a problem to log when a figure could not be measured. */
export async function collectHeartbeat(sources: HeartbeatSources): Promise<{ heartbeat: Heartbeat; problem?: string }> {
  const [disk, appStatus] = await Promise.all([diskFree(sources.dataDir), sources.app.status()]);
  const heartbeat: Heartbeat = {
    agentVersion: sources.agentVersion,
    diskFreeBytes: disk.bytes,
    appStatus,
    lastBackupSucceededAt: sources.ledger.lastBackupSucceededAt,
    lastBackupError: sources.ledger.lastBackupError,
    busySnapshotId: sources.busySnapshotId(),
  };
  return disk.problem === undefined ? { heartbeat } : { heartbeat, problem: disk.problem };
}

/** Bytes an unprivileged writer may still use on the data volume (bavail, not bfree: root's reserve is not ours). */
async function diskFree(dir: string): Promise<{ bytes: number; problem?: string }> {
  try {
    const stats = await statfs(dir);
    return { bytes: Math.max(0, stats.bavail * stats.bsize) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { bytes: 0, problem: `cannot measure the free space of ${dir} (${code}); the heartbeat reports 0 — check dataDir in the agent config` };
  }
}

// Prometheus metrics of the workers, in the text exposition format (version 0.0.4), written by hand:
//   nacre_snapshots_total{kind,region,outcome}        counter, this process's snapshot outcomes
//   nacre_vm_last_success_timestamp_seconds{vm_id}    gauge, newest completed snapshot of each active VM (DB; bounded)
//   nacre_queue_jobs{queue,state}                     gauge, waiting | delayed | active | failed
//   nacre_queue_lag_seconds{queue}                    gauge, age of the oldest waiting job (0 when none waits)
// Counters are per process (Prometheus sums them across processes and handles restarts); the other
// series are read at scrape time from Postgres and Redis, so every process answers the same.
import { withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import type { Queue } from "bullmq";

export interface Metrics {
  countSnapshot(kind: string, region: string, outcome: "succeeded" | "failed"): void;
  /** The counters so far, as [labels, value]. */
  snapshotCounts(): [{ kind: string; region: string; outcome: string }, number][];
}

export function createMetrics(): Metrics {
  const counts = new Map<string, number>();
  return {
    countSnapshot(kind, region, outcome) {
      const key = JSON.stringify([kind, region, outcome]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    snapshotCounts() {
      return [...counts].map(([key, value]) => {
        const [kind, region, outcome] = JSON.parse(key) as [string, string, string];
        return [{ kind, region, outcome }, value];
      });
    },
  };
}

export const QUEUE_STATES = ["waiting", "delayed", "active", "failed"] as const;

export interface RenderInput {
  metrics: Metrics;
  sql: Sql;
  queues: Queue[];
  now: Date;
  /** At most this many VMs get a last-success series (the cardinality bound). */
  maxVms: number;
}

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (pairs: Record<string, string>): string =>
  `{${Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;

/** The whole /metrics page. */
export async function renderMetrics(input: RenderInput): Promise<string> {
  const lines: string[] = [];
  lines.push("# HELP nacre_snapshots_total Snapshots run by this worker process, by kind, region and outcome.");
  lines.push("# TYPE nacre_snapshots_total counter");
  for (const [l, value] of input.metrics.snapshotCounts()) lines.push(`nacre_snapshots_total${labels(l)} ${value}`);

  lines.push("# HELP nacre_vm_last_success_timestamp_seconds Completion time of the newest completed snapshot of each active VM.");
  lines.push("# TYPE nacre_vm_last_success_timestamp_seconds gauge");
  for (const { vmId, at } of await lastSuccesses(input.sql, input.maxVms)) {
    lines.push(`nacre_vm_last_success_timestamp_seconds${labels({ vm_id: vmId })} ${Math.floor(at.getTime() / 1000)}`);
  }

  lines.push("# HELP nacre_queue_jobs Jobs per queue and state.");
  lines.push("# TYPE nacre_queue_jobs gauge");
  const lags: string[] = [];
  for (const queue of input.queues) {
    const counts = await queue.getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES) lines.push(`nacre_queue_jobs${labels({ queue: queue.name, state })} ${counts[state] ?? 0}`);
    lags.push(`nacre_queue_lag_seconds${labels({ queue: queue.name })} ${await oldestWaitingAge(queue, input.now)}`);
  }
  lines.push("# HELP nacre_queue_lag_seconds Age of the oldest waiting job per queue (0 when none waits).");
  lines.push("# TYPE nacre_queue_lag_seconds gauge");
  lines.push(...lags);
  return `${lines.join("\n")}\n`;
}

/** Seconds the oldest waiting job has been ready to run (queued, or its delay over). */
export async function oldestWaitingAge(queue: Queue, now: Date): Promise<number> {
  const [oldest] = await queue.getJobs(["waiting"], 0, 0, true);
  if (!oldest) return 0;
  const readySince = oldest.timestamp + (oldest.opts.delay ?? 0);
  return Math.max(0, (now.getTime() - readySince) / 1000);
}

/** The newest completed snapshot per active VM, at most `limit` VMs (id order; snapshots_vm_recent serves each). */
async function lastSuccesses(sql: Sql, limit: number): Promise<{ vmId: string; at: Date }[]> {
  const rows = await withServiceSession(sql, (tx) => tx`
    select v.id, s.completed_at from public.vms v
    cross join lateral (select completed_at from public.snapshots
                        where vm_id = v.id and status = 'completed' order by created_at desc limit 1) s
    where v.status = 'active' order by v.id limit ${limit}`);
  return rows.map((row) => ({ vmId: row["id"] as string, at: row["completed_at"] as Date }));
}

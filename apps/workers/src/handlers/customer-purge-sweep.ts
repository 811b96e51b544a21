// customer.purge-sweep: the daily safety net under the delayed purges. Every cancelled customer whose
// purge date has passed gets their purge queued now (or a purge that used up its attempts retried).
// A customer whose delayed job is still there and runs on time is left alone.
import { listPurgesDue, withServiceSession } from "@nacre/db";
import { CustomerPurgeSweepPayload, enqueueDuePurge } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

/** Customers looked at per sweep; a larger backlog is taken by the next day's sweep (or a manual run). */
const SWEEP_LIMIT = 1_000;

export async function handle(payload: unknown, ctx: HandlerContext): Promise<{ due: number; queued: number; retried: number }> {
  CustomerPurgeSweepPayload.parse(payload);
  const due = await withServiceSession(ctx.cp.sql, (tx) => listPurgesDue(tx, ctx.cp.now(), SWEEP_LIMIT));
  let queued = 0;
  let retried = 0;
  for (const { customerId, purgeAt } of due) {
    const what = await enqueueDuePurge(ctx.queues, customerId, purgeAt);
    if (what === "queued") queued++;
    if (what === "retried") retried++;
  }
  ctx.log({ level: "info", message: "purge sweep", jobId: ctx.job.id, due: due.length, queued, retried });
  return { due: due.length, queued, retried };
}

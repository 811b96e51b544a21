// vm.initial-restore-sweep: the trigger of the initial restores. The gateway's enrollment binds a
// resubscribed customer's wish to their fresh VM in Postgres; this sweep, every 30 s by default, makes
// sure each bound wish that is not given up has its vm.initial-restore job (one per VM and wish, so
// running it often adds nothing). It is also the safety net: a job lost with Redis, or one support
// re-armed after a failure, is queued again here.
import { findBoundInitialRestore, listBoundInitialRestores, withServiceSession } from "@nacre/db";
import { ensureInitialRestoreJob, VmInitialRestoreSweepPayload } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

/** Wishes looked at per sweep; more would be taken by the next sweep, 30 s later. */
const SWEEP_LIMIT = 1_000;

export async function handle(payload: unknown, ctx: HandlerContext): Promise<{ bound: number; queued: number; retried: number }> {
  VmInitialRestoreSweepPayload.parse(payload);
  const bound = await withServiceSession(ctx.cp.sql, (tx) => listBoundInitialRestores(tx, SWEEP_LIMIT));
  let queued = 0;
  let retried = 0;
  for (const { vmId, requestedAt } of bound) {
    const stillPending = async (): Promise<boolean> => {
      const wish = await withServiceSession(ctx.cp.sql, (tx) => findBoundInitialRestore(tx, vmId));
      return wish !== undefined && wish.failedAt === undefined && wish.requestedAt.getTime() === requestedAt.getTime();
    };
    const what = await ensureInitialRestoreJob(ctx.queues, vmId, requestedAt, stillPending, ctx.initialRestore);
    if (what === "queued") queued++;
    if (what === "retried") retried++;
  }
  // Quiet when there is nothing to do: it runs every 30 s.
  if (queued + retried > 0) ctx.log({ level: "info", message: "initial restore sweep", jobId: ctx.job.id, bound: bound.length, queued, retried });
  return { bound: bound.length, queued, retried };
}

// vm.initial-restore: the restore a resubscribed customer is owed, onto the fresh VM their wish was
// bound to when its agent enrolled (restoreOntoFreshVm in @nacre/fleet does the work and writes every
// end down). Each attempt either ends the wish (fulfilled, or given up and recorded) or throws so BullMQ
// tries again with backoff: while the agent is not online yet, or after a failure that left /data as
// it was (busy, a cut download). A failure that retrying cannot fix ends the job at once, as failed
// (UnrecoverableError), so it also shows in /queues.
import { UnrecoverableError } from "bullmq";
import { restoreOntoFreshVm } from "@nacre/fleet";
import type { FreshVmRestoreResult } from "@nacre/fleet";
import { VmInitialRestorePayload } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

export class InitialRestoreAttemptError extends Error {
  override readonly name = "InitialRestoreAttemptError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export async function handle(payload: unknown, ctx: HandlerContext): Promise<FreshVmRestoreResult> {
  const { vmId } = VmInitialRestorePayload.parse(payload);
  const attempt = ctx.job.attemptsMade + 1;
  const result = await restoreOntoFreshVm(ctx.cp, vmId.toLowerCase(), {
    redis: ctx.redis, subscriber: ctx.subscriber,
    acceptTimeoutMs: ctx.snapshot.acceptTimeoutMs, resendEveryMs: ctx.snapshot.resendEveryMs, snapshotTimeoutMs: ctx.snapshot.outcomeTimeoutMs,
    silenceTimeoutMs: ctx.initialRestore.silenceTimeoutMs,
    lastAttempt: attempt >= ctx.job.attempts,
  });
  const facts = { jobId: ctx.job.id, vmId, attempt, of: ctx.job.attempts };
  switch (result.outcome) {
    case "restored":
      ctx.log({ level: "info", message: "initial restore done; the customer's wish is fulfilled", ...facts, restoreId: result.restoreId, snapshotId: result.snapshotId, safetySnapshotId: result.safetySnapshotId ?? null });
      return result;
    case "retry":
      ctx.log({ level: "warn", message: "initial restore not possible yet; will retry", ...facts, code: result.code, detail: result.message, restoreId: result.restoreId });
      throw new InitialRestoreAttemptError(result.code, result.message);
    case "failed":
      ctx.log({ level: "error", message: "initial restore given up; recorded on the customer", ...facts, code: result.code, detail: result.message, restoreId: result.restoreId, agentTold: result.agentTold });
      throw new UnrecoverableError(`${result.code}: ${result.message}`);
    default:
      ctx.log({ level: "info", message: `initial restore: ${result.outcome}`, ...facts });
      return result;
  }
}

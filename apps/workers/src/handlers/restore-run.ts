// restore.run: a support restore the console recorded (docs/runbooks/restore.md). The console's own
// request checked and recorded it (so refusals reach support at once); this job carries it to its end
// through @nacre/fleet's runRecordedRestore, which writes every step to the restores row and the audit
// log. Never retried: a restore overwrites /data, so after a failure support decides what is next.
import { runRecordedRestore } from "@nacre/fleet";
import type { RecordedRestoreResult } from "@nacre/fleet";
import { RestoreRunPayload } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

export async function handle(payload: unknown, ctx: HandlerContext): Promise<RecordedRestoreResult> {
  const { restoreId } = RestoreRunPayload.parse(payload);
  const result = await runRecordedRestore(ctx.cp, restoreId.toLowerCase(), {
    redis: ctx.redis, subscriber: ctx.subscriber,
    acceptTimeoutMs: ctx.snapshot.acceptTimeoutMs, resendEveryMs: ctx.snapshot.resendEveryMs, snapshotTimeoutMs: ctx.snapshot.outcomeTimeoutMs,
    silenceTimeoutMs: ctx.initialRestore.silenceTimeoutMs,
  });
  const facts = { jobId: ctx.job.id, restoreId };
  if (result.ok === "skipped") ctx.log({ level: "info", message: "support restore already under way or ended; nothing to do", ...facts, status: result.status });
  else if (result.ok) ctx.log({ level: "info", message: "support restore succeeded", ...facts, safetySnapshotId: result.safetySnapshotId ?? null });
  else ctx.log({ level: "error", message: "support restore failed", ...facts, status: result.status, code: result.code, detail: result.message, rolledBack: result.rolledBack });
  return result;
}

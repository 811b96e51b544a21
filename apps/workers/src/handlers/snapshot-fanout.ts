// snapshot.fanout: one nightly job per active VM for the night, queued in batches with each VM's
// spread delay. The night is the UTC date of the scheduler's fire time (a fan-out that runs late
// still backs up the night it was meant for), unless the payload names one. Re-running it is
// harmless: job ids are per VM and night, so a second run adds nothing.
import { withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { enqueueNightlies, FANOUT_BATCH, nightOf, SnapshotFanoutPayload } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

export interface FanoutResult {
  night: string;
  vms: number;
}

export async function handle(payload: unknown, ctx: HandlerContext): Promise<FanoutResult> {
  const { night: named } = SnapshotFanoutPayload.parse(payload);
  const night = named ?? nightOf(ctx.job.scheduledAt);
  let vms = 0;
  let after: string | undefined;
  for (;;) {
    const page = await activeVmPage(ctx.cp.sql, after, FANOUT_BATCH);
    if (page.length === 0) break;
    await enqueueNightlies(ctx.queues, page, night, ctx.timing);
    vms += page.length;
    after = page[page.length - 1];
  }
  ctx.log({ level: "info", message: "nightly fan-out queued", jobId: ctx.job.id, night, vms, spreadMs: ctx.timing.spreadMs });
  return { night, vms };
}

/** One page of active VM ids in id order (keyset pagination over the vms_active index). */
async function activeVmPage(sql: Sql, after: string | undefined, limit: number): Promise<string[]> {
  const rows = await withServiceSession(sql, (tx) =>
    after === undefined
      ? tx`select id from public.vms where status = 'active' order by id limit ${limit}`
      : tx`select id from public.vms where status = 'active' and id > ${after} order by id limit ${limit}`,
  );
  return rows.map((r) => r["id"] as string);
}

// The fan-out: one job per active VM and night whatever the number of runs, each VM at its own
// fixed point of the spread window, and the 03:00 UTC scheduler behind it.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import {
  enqueueFanout, NIGHTLY_SCHEDULE, nightlyJobId, nightOf, openJobQueues, scheduledAt, spreadDelayMs, upsertNightlySchedule,
} from "@nacre/jobs";
import { expect, inject, test } from "vitest";
import * as fanout from "../src/handlers/snapshot-fanout.ts";
import { createMetrics } from "../src/ops/metrics.ts";
import type { HandlerContext } from "../src/worker-deps.ts";
import { createVm, dropPrefix, useNightlyStack, waitForJob } from "./fixtures.ts";
import { enrollRealAgent } from "./real-agent.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 300, spreadMs: 200 }, schedule: true });

test("re-running the fan-out for the same night queues no second job and takes no second snapshot", async () => {
  const { sql, workers } = stack();
  const [a, b] = [await createVm(sql, { region: "SG" }), await createVm(sql, { region: "US" })];
  const cancelled = await createVm(sql, { customerCancelled: true });
  const deleted = await createVm(sql, { status: "deleted" });
  const agents = [await enrollRealAgent(stack(), a.vmId), await enrollRealAgent(stack(), b.vmId)];
  for (const agent of agents) await agent.start();
  const night = "2031-02-01";

  // Two runs at once (say, the scheduler and an operator), then a third after everything finished.
  const first = await Promise.all([enqueueFanout(workers.queues, { night }), enqueueFanout(workers.queues, { night })]);
  for (const job of first) expect(await waitForJob(workers, job.id!)).toBe("completed");
  const ids = [a, b, cancelled].map((vm) => nightlyJobId(vm.vmId, night));
  for (const id of ids) expect(await waitForJob(workers, id)).toBe("completed");
  const third = await enqueueFanout(workers.queues, { night });
  expect(await waitForJob(workers, third.id!)).toBe("completed");
  expect((await workers.queues.fanout.getJob(third.id!))?.returnvalue).toEqual({ night, vms: 3 });

  const jobs = await workers.queues.nightly.getJobs(["waiting", "delayed", "active", "completed", "failed"]);
  expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
  expect(await workers.queues.nightly.getJobCounts("waiting", "delayed", "active", "completed", "failed")).toMatchObject({
    waiting: 0, delayed: 0, active: 0, completed: 3, failed: 0,
  });
  for (const vm of [a, b]) {
    expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vm.vmId}`).toEqual([{ n: 1 }]);
    expect(await sql`select status::text, attempts from public.backup_nights where vm_id = ${vm.vmId}`).toEqual([{ status: "succeeded", attempts: 1 }]);
  }
  // The cancelled customer's VM was queued (it is active) but skipped: no night, no snapshot.
  expect((await workers.queues.nightly.getJob(nightlyJobId(cancelled.vmId, night)))?.returnvalue).toEqual({ outcome: "skipped", reason: "customer-not-active" });
  expect(await sql`select count(*)::int as n from public.backup_nights where vm_id = ${cancelled.vmId}`).toEqual([{ n: 0 }]);
  expect(await workers.queues.nightly.getJob(nightlyJobId(deleted.vmId, night))).toBeUndefined();
  for (const agent of agents) await agent.stop();
});

test("the fan-out spreads a fleet of 2,500 VMs deterministically over the window, in batches, twice the same", async () => {
  const { sql, cp, redis, logs } = stack();
  const owner = await createVm(sql);
  const fleet = await sql`insert into public.vms (customer_id, hostname, region, status)
    select ${owner.customerId}, 'fleet-' || g || '.nacre.local', 'SG', 'active' from generate_series(1, 2500) g returning id`;
  const fleetIds = new Set(fleet.map((r) => r["id"] as string));

  // Its own queues and no workers: the jobs stay delayed where the test can read them.
  const connection = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const prefix = `nacre-test:${randomUUID().slice(0, 8)}`;
  const queues = openJobQueues({ connection, prefix });
  const windowMs = 10 * 60 * 1000;
  const night = "2031-02-02";
  // The fan-out reads only the database, the queues and the timing; the rest is never touched.
  const ctx: HandlerContext = {
    cp, queues, redis, subscriber: redis, timing: { retryDelayMs: 300, spreadMs: windowMs },
    snapshot: { acceptTimeoutMs: 1, resendEveryMs: 1, outcomeTimeoutMs: 1 },
    initialRestore: { retryDelayMs: 1, sweepEveryMs: 1, silenceTimeoutMs: 1 },
    mailer: { send: () => Promise.reject(new Error("the fan-out sends no email")) },
    applyRetention: () => Promise.reject(new Error("the fan-out prunes nothing")),
    metrics: createMetrics(),
    log: (entry) => void logs.push(entry),
    job: { id: "manual", attemptsMade: 0, attempts: 1, scheduledAt: new Date() },
  };
  try {
    const started = Date.now();
    const result = await fanout.handle({ night }, ctx);
    const tookMs = Date.now() - started;
    expect(result.night).toBe(night);
    expect(result.vms).toBeGreaterThanOrEqual(2_501);

    const delayed = (await queues.nightly.getDelayed(0, -1)).filter((j) => fleetIds.has(j.data.vmId));
    expect(delayed).toHaveLength(2_500);
    const perMinute = new Array<number>(10).fill(0);
    for (const job of delayed) {
      expect(job.id).toBe(nightlyJobId(job.data.vmId, night));
      expect(job.opts.delay).toBe(spreadDelayMs(job.data.vmId, windowMs));
      expect(job.opts).toMatchObject({ attempts: 7, backoff: { type: "fixed", delay: 300 } });
      perMinute[Math.floor(job.opts.delay! / 60_000)]! += 1;
    }
    // Every minute of the window gets its share (250 on average), none gets the crowd.
    for (const count of perMinute) {
      expect(count).toBeGreaterThan(150);
      expect(count).toBeLessThan(350);
    }

    // A second run: the same jobs, untouched.
    await fanout.handle({ night }, ctx);
    const again = (await queues.nightly.getDelayed(0, -1)).filter((j) => fleetIds.has(j.data.vmId));
    expect(again).toHaveLength(2_500);
    expect(new Map(again.map((j) => [j.id, j.timestamp]))).toEqual(new Map(delayed.map((j) => [j.id, j.timestamp])));
    logs.push({ message: "fan-out of the test fleet", vms: result.vms, tookMs });
  } finally {
    await queues.close();
    await dropPrefix(connection, prefix);
    connection.disconnect();
  }
});

test("the scheduler fires the fan-out at 03:00 UTC, exists once however often it is upserted, and names the night by its fire time", async () => {
  const { workers } = stack();
  await upsertNightlySchedule(workers.queues);
  await upsertNightlySchedule(workers.queues);
  const schedulers = await workers.queues.fanout.getJobSchedulers();
  expect(schedulers).toHaveLength(1);
  expect(schedulers[0]).toMatchObject({ key: NIGHTLY_SCHEDULE.id, pattern: "0 3 * * *", tz: "UTC" });

  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3);
  const nextFire = today > now.getTime() ? today : today + 24 * 60 * 60 * 1000;
  expect(schedulers[0]?.next).toBe(nextFire);
  const pending = (await workers.queues.fanout.getDelayed()).filter((j) => j.id?.startsWith("repeat:"));
  expect(pending).toHaveLength(1);
  expect(scheduledAt(pending[0]!).getTime()).toBe(nextFire);
  expect(nightOf(scheduledAt(pending[0]!))).toBe(new Date(nextFire).toISOString().slice(0, 10));
});

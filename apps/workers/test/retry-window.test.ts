// The retry window: a night whose first two attempts find the agent offline, and whose third (the
// customer's server came back meanwhile) succeeds. One night row, three attempts, one snapshot.
import type { Job } from "bullmq";
import { describeFailure, planGfsRetention } from "@nacre/core";
import { enqueueFanout, nightlyJobId } from "@nacre/jobs";
import { expect, test } from "vitest";
import { createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import { enrollRealAgent } from "./real-agent.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 2_000, spreadMs: 200 } });

test("a night that fails twice (agent offline) and succeeds on the third attempt: succeeded, 3 attempts, one snapshot", async () => {
  const { sql, workers, retained } = stack();
  const vm = await createVm(sql, { region: "EU" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  const night = "2031-01-15";
  const jobId = nightlyJobId(vm.vmId, night);

  // After the second failure: look at what the customer sees while the night waits for its retry,
  // then bring the server back. Pushing the retry out and promoting it once the agent is connected
  // stands in for the hour that passes in production, without racing the agent's start-up.
  let failures = 0;
  const whileRetrying = new Promise<Record<string, unknown>>((resolve, reject) => {
    workers.nightly.on("failed", (job: Job | undefined) => {
      if (job?.id !== jobId || ++failures !== 2) return;
      void (async () => {
        await job.changeDelay(60_000);
        const [row] = await sql`select status::text, attempts, last_error_code, last_error from public.backup_nights
          where vm_id = ${vm.vmId} and night = ${night}`;
        await agent.start();
        await job.promote();
        return row ?? {};
      })().then(resolve, reject);
    });
  });

  await enqueueFanout(workers.queues, { night });
  expect(await whileRetrying).toEqual({
    status: "retrying", attempts: 2, last_error_code: "E_AGENT_OFFLINE", last_error: describeFailure("E_AGENT_OFFLINE"),
  });
  expect(await waitForJob(workers, jobId), agent.output()).toBe("completed");

  const [row] = await sql`select status::text, attempts, snapshot_id, last_error_code, last_error, started_at, finished_at
    from public.backup_nights where vm_id = ${vm.vmId} and night = ${night}`;
  const snapshots = await sql`select id, kind::text, status::text, region::text from public.snapshots where vm_id = ${vm.vmId}`;
  expect(snapshots).toEqual([{ id: row?.["snapshot_id"], kind: "nightly", status: "completed", region: "EU" }]);
  expect(row).toMatchObject({ status: "succeeded", attempts: 3, last_error_code: null, last_error: null });
  expect((row?.["finished_at"] as Date).getTime()).toBeGreaterThan((row?.["started_at"] as Date).getTime());
  // The two offline attempts opened uploads that were aborted: nothing half-written is listed.
  const uploads = await sql`select status::text, error_code from public.snapshot_uploads where vm_id = ${vm.vmId} order by created_at`;
  expect(uploads).toEqual([
    { status: "failed", error_code: "E_AGENT_OFFLINE" },
    { status: "failed", error_code: "E_AGENT_OFFLINE" },
    { status: "completed", error_code: null },
  ]);
  expect((await workers.queues.nightly.getJob(jobId))?.returnvalue).toMatchObject({ outcome: "succeeded", attempt: 3 });
  expect(retained).toEqual([vm.vmId]);

  // The same job once more (a retry after the night succeeded) does nothing.
  await (await workers.queues.nightly.getJob(jobId))?.retry("completed");
  expect(await waitForJob(workers, jobId)).toBe("completed");
  await expect.poll(async () => (await workers.queues.nightly.getJob(jobId))?.returnvalue).toEqual({ outcome: "already-final" });
  expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vm.vmId}`).toEqual([{ n: 1 }]);
  expect(await sql`select attempts from public.backup_nights where vm_id = ${vm.vmId}`).toEqual([{ attempts: 3 }]);
  expect(retained).toEqual([vm.vmId]);
  await agent.stop();
});

test("a successful night prunes the VM's nightlies to the GFS rule (7 daily + 4 weekly + 3 monthly)", async () => {
  const { sql, workers, cp } = stack();
  const vm = await createVm(sql, { region: "SG" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  await agent.start();
  // Forty earlier nights, one snapshot each (rows only: deleting a missing object succeeds).
  const day = 24 * 60 * 60 * 1000;
  for (let i = 1; i <= 40; i++) {
    const at = new Date(Date.now() - i * day);
    await sql`insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, created_at, completed_at)
      values (${vm.vmId}, ${vm.customerId}, 'nightly', 'completed', 'SG', ${cp.buckets.SG}, ${`${vm.customerId}/${vm.vmId}/seed-${i}.nacre`},
              1000, ${"ab".repeat(32)}, ${`${vm.customerId}:v1`}, ${at}, ${at})`;
  }
  const night = "2031-01-16";
  await enqueueFanout(workers.queues, { night });
  expect(await waitForJob(workers, nightlyJobId(vm.vmId, night)), agent.output()).toBe("completed");

  const [tonight] = await sql`select snapshot_id from public.backup_nights where vm_id = ${vm.vmId} and night = ${night}`;
  const left = await sql`select id, created_at from public.snapshots where vm_id = ${vm.vmId} order by created_at desc`;
  const expected = planGfsRetention(left.map((r) => ({ id: r["id"] as string, createdAt: r["created_at"] as Date })));
  expect(expected.remove).toEqual([]);
  expect(left.length).toBeGreaterThan(7);
  expect(left.length).toBeLessThanOrEqual(14);
  expect(left[0]?.["id"]).toBe(tonight?.["snapshot_id"]);
  await agent.stop();
});

// VM deletion: a deleted VM's final backup (held 90 days) through the real agent, then the VM is
// ready to destroy; when the agent cannot be reached in the whole retry window, the newest nightly is
// held in its place, said so, and the VM is still ready. Then the ops endpoint: /metrics and /queues
// after those jobs.
import { requestVmDeletion } from "@nacre/fleet";
import { finalBackupJobId } from "@nacre/jobs";
import { expect, test } from "vitest";
import { createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";
import { enrollRealAgent } from "./real-agent.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 300, spreadMs: 200 }, finalBackup: { retryDelayMs: 200 } });
const DAY = 86_400_000;

async function seedNightly(vm: TestVm, ageDays: number): Promise<string> {
  const { sql, cp } = stack();
  const at = new Date(Date.now() - ageDays * DAY);
  const [row] = await sql`insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, created_at, completed_at)
    values (${vm.vmId}, ${vm.customerId}, 'nightly', 'completed', 'SG', ${cp.buckets.SG}, ${`${vm.customerId}/${vm.vmId}/${at.toISOString()}-nightly.nacre`},
            1000, ${"ab".repeat(32)}, ${`${vm.customerId}:v1`}, ${at}, ${at}) returning id`;
  return row?.["id"] as string;
}

const actions = async (vm: TestVm): Promise<string[]> =>
  (await stack().sql`select action from public.audit_log where vm_id = ${vm.vmId} order by id`).map((r) => r["action"] as string);

test("a deleted VM gets a fresh final backup held 90 days, then is ready to destroy", async () => {
  const { sql, workers } = stack();
  const vm = await createVm(sql, { region: "SG" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  await agent.start();
  await requestVmDeletion({ sql, queue: workers.lifecycle }, vm.vmId, { kind: "customer", id: vm.customerId });
  expect((await sql`select status::text from public.vms where id = ${vm.vmId}`)[0]).toEqual({ status: "deleting" });

  const jobId = finalBackupJobId(vm.vmId);
  expect(await waitForJob(workers, jobId), agent.output()).toBe("completed");
  const result = (await workers.queues.finalBackup.getJob(jobId))?.returnvalue as { outcome: string; snapshotId: string };
  expect(result.outcome).toBe("final-taken");
  const [snapshot] = await sql`select kind::text, status::text, created_at, hold_until from public.snapshots where id = ${result.snapshotId}`;
  expect(snapshot).toMatchObject({ kind: "final", status: "completed" });
  const heldDays = ((snapshot?.["hold_until"] as Date).getTime() - (snapshot?.["created_at"] as Date).getTime()) / DAY;
  expect(heldDays).toBeGreaterThan(89.99);
  expect(heldDays).toBeLessThanOrEqual(90.01);
  const [row] = await sql`select final_snapshot_id, final_note, deletion_ready_at is not null as ready from public.vms where id = ${vm.vmId}`;
  expect(row).toMatchObject({ final_snapshot_id: result.snapshotId, ready: true });
  expect(row?.["final_note"]).toMatch(/^Final backup taken at /);
  expect(await actions(vm)).toEqual(["vm.deletion-requested", "vm.final-backup", "vm.deletion-ready"]);

  // Asking again (a double click, a retried request) takes no second final backup.
  await requestVmDeletion({ sql, queue: workers.lifecycle }, vm.vmId, { kind: "customer", id: vm.customerId });
  expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vm.vmId}`).toEqual([{ n: 1 }]);
  await agent.stop();
});

test("an agent unreachable for the whole retry window: the newest nightly is held 90 days as the final, and the VM is still ready", async () => {
  const { sql, workers } = stack();
  const vm = await createVm(sql, { region: "SG" });
  await enrollRealAgent(stack(), vm.vmId); // enrolled, never started: offline
  const older = await seedNightly(vm, 2);
  const newest = await seedNightly(vm, 1);
  await requestVmDeletion({ sql, queue: workers.lifecycle }, vm.vmId, { kind: "support" });

  const jobId = finalBackupJobId(vm.vmId);
  expect(await waitForJob(workers, jobId)).toBe("completed");
  const job = await workers.queues.finalBackup.getJob(jobId);
  expect(job?.returnvalue).toEqual({ outcome: "newest-nightly-held", snapshotId: newest });
  expect(job?.attemptsMade).toBe(7); // seven attempts; the seventh held the nightly and completed

  const snapshots = await sql`select id, kind::text, hold_until from public.snapshots where vm_id = ${vm.vmId} order by created_at`;
  expect(snapshots.map((s) => [s["id"], s["kind"]])).toEqual([[older, "nightly"], [newest, "final"]]);
  const heldFor = (snapshots[1]?.["hold_until"] as Date).getTime() - Date.now();
  expect(heldFor).toBeGreaterThan(90 * DAY - 60_000);
  const [row] = await sql`select final_snapshot_id, final_note, deletion_ready_at is not null as ready from public.vms where id = ${vm.vmId}`;
  expect(row).toMatchObject({ final_snapshot_id: newest, ready: true });
  expect(row?.["final_note"]).toMatch(/No fresh final backup could be taken \(the agent was unreachable: E_AGENT_OFFLINE\)\. The newest nightly, taken /);
  expect(await actions(vm)).toEqual([
    "vm.deletion-requested", ...Array<string>(7).fill("vm.final-backup-failed"), "vm.final-backup-fallback", "vm.deletion-ready",
  ]);
});

test("/metrics and /queues answer with the expected series after those jobs", async () => {
  const { sql, workers } = stack();
  const ops = workers.ops?.url as string;
  // An active VM with a completed snapshot has a last-success series.
  const active = await createVm(sql, { region: "SG" });
  await seedNightly(active, 1);
  // A job that fails for good, for the queue view.
  const bad = await workers.queues.purge.add("customer.purge", { customerId: "not-a-uuid" }, { jobId: "bad-purge", attempts: 1 });
  expect(await waitForJob(workers, bad.id as string)).toBe("failed");

  const response = await fetch(`${ops}/metrics`);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(text).toContain("# TYPE nacre_snapshots_total counter");
  expect(text).toMatch(/^nacre_snapshots_total\{kind="final",region="SG",outcome="succeeded"\} 1$/m);
  expect(text).toMatch(/^nacre_snapshots_total\{kind="final",region="SG",outcome="failed"\} 7$/m);
  expect(text).toMatch(new RegExp(`^nacre_vm_last_success_timestamp_seconds\\{vm_id="${active.vmId}"\\} \\d{10}$`, "m"));
  for (const queue of ["snapshot-fanout", "snapshot-nightly", "export-now", "vm-final-backup", "customer-purge", "customer-purge-sweep"]) {
    for (const state of ["waiting", "delayed", "active", "failed"]) expect(text).toMatch(new RegExp(`^nacre_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+$`, "m"));
    expect(text).toMatch(new RegExp(`^nacre_queue_lag_seconds\\{queue="${queue}"\\} [0-9.]+$`, "m"));
  }
  expect(text).toMatch(/^nacre_queue_jobs\{queue="customer-purge",state="failed"\} 1$/m);
  // Every sample line is "name{labels} value".
  for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^(# (HELP|TYPE) .+|nacre_[a-z_]+\{[^}]*\} [0-9.]+)$/);

  const view = (await (await fetch(`${ops}/queues`)).json()) as { queues: { name: string; counts: Record<string, number>; failed: Record<string, unknown>[] }[] };
  const purge = view.queues.find((q) => q.name === "customer-purge");
  expect(purge?.counts).toMatchObject({ failed: 1 });
  expect(purge?.failed).toEqual([expect.objectContaining({ id: "bad-purge", name: "customer.purge", data: { customerId: "not-a-uuid" }, attemptsMade: 1 })]);
  expect(purge?.failed[0]?.["failedReason"]).toMatch(/uuid/i);
  expect(view.queues.find((q) => q.name === "vm-final-backup")?.counts).toMatchObject({ completed: 2, failed: 0 });
  expect((await fetch(`${ops}/nothing`)).status).toBe(404);
});

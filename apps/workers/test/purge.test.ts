// Cancellation, resubscription and the day-90 purge, against the real buckets and database: cancel
// then resubscribe removes the delayed purge and records the restore as pending; cancel then purge
// leaves no object of the customer in any region and no usable key; a purge cut short halfway is
// finished by the next run, which the daily sweep queues.
import { randomBytes, randomUUID } from "node:crypto";
import { customerKeyById, withServiceSession } from "@nacre/db";
import { cancelCustomer, purgeCustomer, resubscribeCustomer } from "@nacre/fleet";
import type { ControlPlane } from "@nacre/fleet";
import { purgeJobId } from "@nacre/jobs";
import { expect, test } from "vitest";
import { BUCKETS, createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 300, spreadMs: 200 } });
const DAY = 86_400_000;

/** Puts an object the way an agent's upload leaves it (multipart, one part). */
async function putObject(cp: ControlPlane, bucket: string, key: string): Promise<void> {
  const uploadId = await cp.signer.createMultipartUpload(bucket, key);
  const [part] = await cp.signer.presignUploadParts(bucket, key, uploadId, [1], 60);
  const response = await fetch(part?.url as string, { method: "PUT", body: randomBytes(1024) });
  expect(response.status).toBe(200);
  await cp.signer.completeMultipartUpload(bucket, key, uploadId, [{ number: 1, etag: response.headers.get("etag") as string }]);
}

/** A completed snapshot row of the VM and its object. */
async function seedSnapshot(vm: TestVm, region: "SG" | "US" | "EU", kind = "nightly", ageDays = 1): Promise<{ id: string; key: string }> {
  const { sql, cp } = stack();
  const at = new Date(Date.now() - ageDays * DAY);
  const key = `${vm.customerId}/${vm.vmId}/${at.toISOString()}-${kind}.nacre`;
  await putObject(cp, BUCKETS[region], key);
  const [row] = await sql`insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, created_at, completed_at, hold_until)
    values (${vm.vmId}, ${vm.customerId}, ${kind}, 'completed', ${region}, ${BUCKETS[region]}, ${key}, 1024, ${"cd".repeat(32)}, ${`${vm.customerId}:v1`}, ${at}, ${at},
            ${kind === "nightly" ? null : new Date(at.getTime() + 90 * DAY)})
    returning id`;
  return { id: row?.["id"] as string, key };
}

async function keysOf(customerId: string): Promise<string[]> {
  const { cp } = stack();
  const keys: string[] = [];
  for (const bucket of Object.values(BUCKETS)) for await (const key of cp.signer.listKeys(bucket, `${customerId}/`)) keys.push(`${bucket}/${key}`);
  return keys.sort();
}

const actions = async (customerId: string): Promise<string[]> =>
  (await stack().sql`select action from public.audit_log where customer_id = ${customerId} order by id`).map((r) => r["action"] as string);

test("cancel, then resubscribe before day 90: the delayed purge is gone, the plan is active, the restore is pending", async () => {
  const { sql, workers, cp } = stack();
  const vm = await createVm(sql, { region: "SG" });
  const snapshot = await seedSnapshot(vm, "SG");
  const now = new Date();

  const cancelled = await cancelCustomer({ sql, queue: workers.lifecycle }, vm.customerId, now);
  expect(cancelled.purgeAt.getTime() - now.getTime()).toBe(90 * DAY);
  const [customer] = await sql`select plan_state::text, cancelled_at, purge_at from public.customers where id = ${vm.customerId}`;
  expect(customer).toEqual({ plan_state: "cancelled", cancelled_at: now, purge_at: cancelled.purgeAt });
  const job = await workers.queues.purge.getJob(purgeJobId(vm.customerId, cancelled.purgeAt));
  expect(await job?.getState()).toBe("delayed");
  expect(job?.opts.delay).toBeGreaterThan(90 * DAY - 60_000);
  expect(job?.opts.delay).toBeLessThanOrEqual(90 * DAY);
  // Cancelling twice changes nothing.
  expect(await cancelCustomer({ sql, queue: workers.lifecycle }, vm.customerId, new Date())).toEqual(cancelled);

  const resubscribed = await resubscribeCustomer({ sql, queue: workers.lifecycle }, vm.customerId, new Date());
  expect(resubscribed).toEqual({ customerId: vm.customerId, restoreSnapshotId: snapshot.id, purgeJobRemoved: true });
  expect(await workers.queues.purge.getJob(purgeJobId(vm.customerId, cancelled.purgeAt))).toBeUndefined();
  const [after] = await sql`select plan_state::text, cancelled_at, purge_at, restore_snapshot_id, restore_requested_at is not null as restore_pending
    from public.customers where id = ${vm.customerId}`;
  expect(after).toEqual({ plan_state: "active", cancelled_at: null, purge_at: null, restore_snapshot_id: snapshot.id, restore_pending: true });
  expect(await actions(vm.customerId)).toEqual(["customer.cancelled", "customer.resubscribed"]);

  // A purge that runs anyway (a job that slipped through) refuses: the customer is not cancelled.
  expect(await purgeCustomer(cp, vm.customerId)).toEqual({ outcome: "refused", reason: "not-cancelled" });
  expect(await keysOf(vm.customerId)).toHaveLength(1);
  await expect(resubscribeCustomer({ sql, queue: workers.lifecycle }, vm.customerId, new Date())).rejects.toMatchObject({ code: "E_NOT_CANCELLED" });
});

test("cancel, then day 90: no object left in any region, no usable key, the customer purged, the audit written", async () => {
  const { sql, workers } = stack();
  const vm = await createVm(sql, { region: "SG" });
  const second: TestVm = { ...vm, vmId: randomUUID() };
  await sql`insert into public.vms (id, customer_id, hostname, region, status) values (${second.vmId}, ${vm.customerId}, ${`vm-${second.vmId.slice(0, 8)}.nacre.local`}, 'EU', 'active')`;
  await seedSnapshot(vm, "SG", "nightly", 3);
  await seedSnapshot(vm, "SG", "final", 2);
  await seedSnapshot(second, "EU", "nightly", 1);
  // An object with no row (say, a row lost by hand) is found by its prefix all the same.
  await putObject(stack().cp, BUCKETS.US, `${vm.customerId}/${vm.vmId}/stray.nacre`);
  const bystander = await createVm(sql, { region: "SG" });
  const kept = await seedSnapshot(bystander, "SG");
  expect(await keysOf(vm.customerId)).toHaveLength(4);
  const keyId = `${vm.customerId}:v1`;
  expect((await withServiceSession(sql, (tx) => customerKeyById(tx, keyId))).key).toHaveLength(32);

  // Compressed time: cancelled 90 days ago, so the delayed purge is due at once.
  const cancelled = await cancelCustomer({ sql, queue: workers.lifecycle }, vm.customerId, new Date(Date.now() - 90 * DAY - 1_000));
  const jobId = purgeJobId(vm.customerId, cancelled.purgeAt);
  expect(await waitForJob(workers, jobId)).toBe("completed");
  expect((await workers.queues.purge.getJob(jobId))?.returnvalue).toEqual({ outcome: "purged", objectsDeleted: 4, snapshotRows: 3 });

  expect(await keysOf(vm.customerId)).toEqual([]);
  expect(await sql`select count(*)::int as n from public.snapshots where customer_id = ${vm.customerId}`).toEqual([{ n: 0 }]);
  await expect(withServiceSession(sql, (tx) => customerKeyById(tx, keyId))).rejects.toMatchObject({ code: "E_CUSTOMER_KEY_DESTROYED" });
  const [customer] = await sql`select plan_state::text, purged_at is not null as purged from public.customers where id = ${vm.customerId}`;
  expect(customer).toEqual({ plan_state: "purged", purged: true });
  expect(await actions(vm.customerId)).toEqual(["customer.cancelled", "customer.purge-started", "customer.key-destroyed", "customer.purged"]);
  // Another customer's objects, rows and key are untouched.
  expect(await keysOf(bystander.customerId)).toEqual([`${BUCKETS.SG}/${kept.key}`]);
  expect((await withServiceSession(sql, (tx) => customerKeyById(tx, `${bystander.customerId}:v1`))).key).toHaveLength(32);

  // Running it again does nothing.
  expect(await purgeCustomer(stack().cp, vm.customerId)).toEqual({ outcome: "already-purged" });
});

test("a purge cut short after deleting some objects is finished by the next run, which the daily sweep queues", async () => {
  const { sql, workers, cp } = stack();
  const vm = await createVm(sql, { region: "EU" });
  for (let i = 1; i <= 5; i++) await seedSnapshot(vm, "EU", "nightly", i);
  const purgeAt = new Date(Date.now() - DAY);
  await sql`update public.customers set plan_state = 'cancelled', cancelled_at = ${new Date(purgeAt.getTime() - 90 * DAY)}, purge_at = ${purgeAt}
    where id = ${vm.customerId}`;

  // A purge not yet due refuses (a sweep or job must never run early).
  const early = { ...cp, now: () => new Date(purgeAt.getTime() - 1) };
  expect(await purgeCustomer(early, vm.customerId)).toEqual({ outcome: "refused", reason: "not-due" });

  // The worker "crashes" after two objects are gone.
  let deletes = 0;
  const crashing: ControlPlane = {
    ...cp,
    signer: {
      ...cp.signer,
      deleteObject: async (bucket, key) => {
        if (++deletes > 2) throw new Error("simulated crash mid-purge");
        await cp.signer.deleteObject(bucket, key);
      },
    },
  };
  await expect(purgeCustomer(crashing, vm.customerId)).rejects.toThrow(/simulated crash/);
  expect(await keysOf(vm.customerId)).toHaveLength(3);
  const [midway] = await sql`select plan_state::text from public.customers where id = ${vm.customerId}`;
  expect(midway).toEqual({ plan_state: "cancelled" });
  expect(await sql`select distinct status::text from public.snapshots where customer_id = ${vm.customerId}`).toEqual([{ status: "deleting" }]);
  expect((await withServiceSession(sql, (tx) => customerKeyById(tx, `${vm.customerId}:v1`))).key).toHaveLength(32);

  // The daily sweep finds the customer due and queues the purge, which finishes the job.
  const sweep = await workers.queues.purgeSweep.add("customer.purge-sweep", {});
  expect(await waitForJob(workers, sweep.id as string)).toBe("completed");
  expect(((await workers.queues.purgeSweep.getJob(sweep.id as string))?.returnvalue as { queued: number }).queued).toBeGreaterThanOrEqual(1);
  const jobId = purgeJobId(vm.customerId, purgeAt);
  expect(await waitForJob(workers, jobId)).toBe("completed");
  expect((await workers.queues.purge.getJob(jobId))?.returnvalue).toEqual({ outcome: "purged", objectsDeleted: 3, snapshotRows: 5 });
  expect(await keysOf(vm.customerId)).toEqual([]);
  await expect(withServiceSession(sql, (tx) => customerKeyById(tx, `${vm.customerId}:v1`))).rejects.toMatchObject({ code: "E_CUSTOMER_KEY_DESTROYED" });
  expect(await actions(vm.customerId)).toEqual(["customer.purge-started", "customer.purge-started", "customer.key-destroyed", "customer.purged"]);
});

// Issue #5 §4 / issue #7 §3, end to end with the real agent bundle, gateway, Postgres, Redis and S3
// server: a customer's VM is backed up, deleted (its final backup taken), the customer cancels and
// resubscribes; their fresh VM's agent enrolls, and — with nobody asking — the workers restore the
// final backup onto it while `nacre-agent wait-ready` (the app's ExecStartPre) holds the app's first
// start. Then the refusals: a destroyed customer key and a vanished snapshot end the wish as failed,
// recorded and visible, and the gate opens instead of waiting forever.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { destroyCustomerKey, withServiceSession } from "@nacre/db";
import { cancelCustomer, requestVmDeletion, resubscribeCustomer, runSnapshot } from "@nacre/fleet";
import { finalBackupJobId, initialRestoreJobId } from "@nacre/jobs";
import { dataTree } from "@nacre/local-stack";
import { expect, inject, test } from "vitest";
import { createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";
import { AGENT_BUNDLE, enrollRealAgent } from "./real-agent.ts";
import type { RealAgent } from "./real-agent.ts";

const stack = useNightlyStack({
  timing: { retryDelayMs: 300, spreadMs: 200 },
  finalBackup: { retryDelayMs: 200 },
  initialRestore: { sweepEveryMs: 250, retryDelayMs: 400, attempts: 6, silenceTimeoutMs: 60_000 },
});

const sh = (script: string): string[] => ["sh", "-c", script];

/** A VM's /data after months of use: nested files, a private key file, a symlink, an empty dir, a blob. */
function seedUsedVm(dataDir: string): void {
  mkdirSync(join(dataDir, "workspace", "memory"), { recursive: true });
  mkdirSync(join(dataDir, "state", "agents", "empty"), { recursive: true });
  writeFileSync(join(dataDir, "workspace", "MEMORY.md"), "# What I remember\n- the customer likes short answers\n");
  writeFileSync(join(dataDir, "workspace", "memory", "2026-10-01.md"), "A long day of messages.\n".repeat(2000));
  writeFileSync(join(dataDir, "state", "agents", "blob.bin"), randomBytes(512 * 1024));
  writeFileSync(join(dataDir, "state", "secret.key"), "k");
  chmodSync(join(dataDir, "state", "secret.key"), 0o600);
  symlinkSync("workspace/MEMORY.md", join(dataDir, "memory-link"));
}

/** What provisioning leaves on a fresh VM before the app ever ran. */
function seedFreshVm(dataDir: string): void {
  writeFileSync(join(dataDir, "openclaw.json"), '{ "fresh": true }\n');
}

/** The app as systemd would run it on the VM: stopped until resumed; the status probe says which. */
function appCommands(dir: string): Record<string, string[]> {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "app.log");
  const running = join(dir, "app-running");
  return {
    pauseCommand: sh(`echo pause >> ${log}; rm -f ${running}`),
    resumeCommand: sh(`echo resume >> ${log}; touch ${running}`),
    statusCommand: sh(`test -e ${running}`),
  };
}

interface Gate {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code and the data directory's tree at the moment the gate opened. */
  exited: Promise<{ code: number | null; treeAtExit: Record<string, string> }>;
}

/** `nacre-agent wait-ready`, as the app's unit runs it (ExecStartPre). */
function startGate(agent: RealAgent, timeout = "120s"): Gate {
  let output = "";
  const child = spawn(process.execPath, [AGENT_BUNDLE, "wait-ready", "--timeout", timeout, "--agent-config", agent.configFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; treeAtExit: Record<string, string> }>((resolve) =>
    child.once("exit", (code) => resolve({ code, treeAtExit: dataTree(agent.dataDir) })),
  );
  return { child, output: () => output, exited };
}

/** The customer's old VM: enrolled, backed up, deleted (final backup taken), then the customer cancels and resubscribes. */
async function customerWhoResubscribed(): Promise<{ old: TestVm; tree: Record<string, string>; finalSnapshotId: string }> {
  const { sql, cp, workers, redis } = stack();
  const old = await createVm(sql, { region: "EU" });
  const agent = await enrollRealAgent(stack(), old.vmId, { seed: seedUsedVm });
  await agent.start();
  const sub = new Redis(inject("redisUrl"));
  try {
    const nightly = await runSnapshot(cp, { vmId: old.vmId, kind: "nightly", expectedBytes: 8 * 1024 * 1024 }, { redis, subscriber: sub, acceptTimeoutMs: 10_000, resendEveryMs: 500, outcomeTimeoutMs: 60_000 });
    expect(nightly.ok, agent.output()).toBe(true);
  } finally {
    sub.disconnect();
  }
  // A day later: the data moved on; the final backup at deletion has it, the nightly does not.
  writeFileSync(join(agent.dataDir, "workspace", "2026-10-02.md"), "the last day before cancelling\n");
  const tree = dataTree(agent.dataDir);
  await requestVmDeletion({ sql, queue: workers.lifecycle }, old.vmId, { kind: "customer", id: old.customerId });
  expect(await waitForJob(workers, finalBackupJobId(old.vmId)), agent.output()).toBe("completed");
  const [vm] = await sql`select final_snapshot_id from public.vms where id = ${old.vmId}`;
  await agent.stop();
  // Provisioning destroys the machine once it is ready.
  await sql`update public.vms set status = 'deleted', deleted_at = now() where id = ${old.vmId}`;

  await cancelCustomer({ sql, queue: workers.lifecycle }, old.customerId, new Date());
  const resubscribed = await resubscribeCustomer({ sql, queue: workers.lifecycle }, old.customerId, new Date());
  expect(resubscribed.restoreSnapshotId).toBe(vm?.["final_snapshot_id"]);
  return { old, tree, finalSnapshotId: resubscribed.restoreSnapshotId! };
}

/** The customer's fresh VM, as provisioning makes it (same customer, no agent yet). */
async function freshVm(customerId: string): Promise<string> {
  const vmId = randomUUID();
  await stack().sql`insert into public.vms (id, customer_id, hostname, region, status)
    values (${vmId}, ${customerId}, ${`fresh-${vmId.slice(0, 8)}.nacre.local`}, 'EU', 'active')`;
  return vmId;
}

async function wishOf(customerId: string): Promise<Record<string, unknown>> {
  const [row] = await stack().sql`select restore_snapshot_id, restore_requested_at is not null as pending, restore_vm_id, restore_failed_at is not null as failed,
      restore_error, restore_fulfilled_id from public.customers where id = ${customerId}`;
  return row!;
}

const actions = async (customerId: string, since = 0): Promise<string[]> =>
  (await stack().sql`select action from public.audit_log where customer_id = ${customerId} and id > ${since} order by id`).map((r) => r["action"] as string);

test("a resubscribed customer's fresh VM gets the final backup restored before the app first starts, byte for byte, with nobody asking", async () => {
  const { sql, workers, logs } = stack();
  const { old, tree, finalSnapshotId } = await customerWhoResubscribed();
  const [{ last }] = (await sql`select max(id)::int as last from public.audit_log`) as unknown as [{ last: number }];

  const vmId = await freshVm(old.customerId);
  const appDir = join(stack().work, `${vmId}-app`);
  const agent = await enrollRealAgent(stack(), vmId, { seed: seedFreshVm, app: appCommands(appDir) });
  expect(agent.output()).toContain("holds the app until it is done");
  // The enrollment bound the wish to this VM in its own transaction.
  expect(await wishOf(old.customerId)).toMatchObject({ restore_snapshot_id: finalSnapshotId, pending: true, restore_vm_id: vmId, failed: false });
  const freshTree = dataTree(agent.dataDir);

  // The app's unit starts at boot: its ExecStartPre holds it.
  const gate = startGate(agent);
  // The daemon comes up a little later than the enrollment: the job finds the agent offline and retries.
  await expect.poll(() => logs.some((l) => l["vmId"] === vmId && l["code"] === "E_AGENT_OFFLINE"), { timeout: 20_000 }).toBe(true);
  expect(gate.child.exitCode, gate.output()).toBeNull();
  expect(dataTree(agent.dataDir)).toEqual(freshTree);
  await agent.start();

  const jobId = initialRestoreJobId(vmId, (await sql`select restore_requested_at from public.customers where id = ${old.customerId}`)[0]!["restore_requested_at"] as Date);
  expect(await waitForJob(workers, jobId, 90_000), agent.output()).toBe("completed");
  const opened = await gate.exited;
  // When the gate opened, the customer's data was already in place — before the app's first start.
  expect(opened.code, gate.output()).toBe(0);
  expect(gate.output()).toContain("ready: the initial restore put this customer's data in place");
  expect(opened.treeAtExit).toEqual(tree);
  expect(dataTree(agent.dataDir)).toEqual(tree);
  expect(dataTree(agent.dataDir)).not.toHaveProperty("openclaw.json");

  const result = (await workers.queues.initialRestore.getJob(jobId))?.returnvalue as { outcome: string; restoreId: string; safetySnapshotId?: string };
  expect(result).toMatchObject({ outcome: "restored", snapshotId: finalSnapshotId });
  // A fresh VM whose app never ran needs no safety snapshot; what provisioning left is kept on the VM for 24 h.
  const [restore] = await sql`select vm_id, snapshot_id, status::text as status, step, error, safety_snapshot_id, requested_by from public.restores where id = ${result.restoreId}`;
  expect(restore).toEqual({ vm_id: vmId, snapshot_id: finalSnapshotId, status: "succeeded", step: "done", error: null, safety_snapshot_id: null, requested_by: null });
  expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vmId} and kind = 'pre-restore'`).toEqual([{ n: 0 }]);
  expect(dataTree(join(agent.dataDir, `.nacre-pre-restore-${result.restoreId}`))).toEqual(freshTree);

  // The wish is cleared and says which restore (so which VM) fulfilled it; the audit tells the story.
  expect(await wishOf(old.customerId)).toEqual({ restore_snapshot_id: null, pending: false, restore_vm_id: null, failed: false, restore_error: null, restore_fulfilled_id: result.restoreId });
  const story = await actions(old.customerId, last);
  expect(story[0]).toBe("restore.requested");
  expect(story).toContain("restore.succeeded");
  expect(story.at(-1)).toBe("customer.restore-fulfilled");
  const steps = (await sql`select details->>'step' as step from public.audit_log where action = 'restore.step' and details->>'restoreId' = ${result.restoreId} order by id`).map((r) => r["step"]);
  expect(steps.slice(0, 4)).toEqual(["control-plane-preflight", "safety-snapshot-skipped", "sent", "preflight"]);
  expect(steps).toContain("swap");
  const [requested] = await sql`select details from public.audit_log where action = 'restore.requested' and vm_id = ${vmId}`;
  expect(requested?.["details"]).toMatchObject({ trigger: "resubscribe" });

  // Running the sweep and the job again changes nothing: the wish is gone.
  await workers.queues.initialRestore.add("vm.initial-restore", { vmId }, { jobId: `${jobId}-again` });
  expect(await waitForJob(workers, `${jobId}-again`)).toBe("completed");
  expect((await workers.queues.initialRestore.getJob(`${jobId}-again`))?.returnvalue).toEqual({ outcome: "nothing-pending" });
  expect(await sql`select count(*)::int as n from public.restores where vm_id = ${vmId}`).toEqual([{ n: 1 }]);
  // A gate asked again later opens at once.
  expect(await startGate(agent, "0").exited).toMatchObject({ code: 0 });
  await agent.stop();
});

test("a destroyed customer key ends the wish as failed: a restores row and audit entries say why, the fresh VM is untouched, and the gate opens", async () => {
  const { sql, workers } = stack();
  const { old } = await customerWhoResubscribed();
  // The key is gone (a purge that ran anyway, or support destroying it): nothing of the customer can be decrypted.
  expect(await withServiceSession(sql, (tx) => destroyCustomerKey(tx, old.customerId))).toBe(true);

  const vmId = await freshVm(old.customerId);
  const agent = await enrollRealAgent(stack(), vmId, { seed: seedFreshVm, app: appCommands(join(stack().work, `${vmId}-app`)) });
  const freshTree = dataTree(agent.dataDir);
  const gate = startGate(agent);
  await agent.start();
  const [{ restore_requested_at: requestedAt }] = (await sql`select restore_requested_at from public.customers where id = ${old.customerId}`) as unknown as [{ restore_requested_at: Date }];
  const jobId = initialRestoreJobId(vmId, requestedAt);
  // Retrying cannot bring a key back: the job fails at once, for good.
  expect(await waitForJob(workers, jobId, 90_000), agent.output()).toBe("failed");
  const job = await workers.queues.initialRestore.getJob(jobId);
  // (An attempt or two may have found the agent not connected yet; the key's failure is not retried.)
  const attempts = job?.attemptsMade ?? 0;
  expect(attempts).toBeLessThan(6);
  expect(job?.failedReason).toMatch(/^E_CUSTOMER_KEY_DESTROYED: /);

  const [restore] = await sql`select status::text as status, error from public.restores where vm_id = ${vmId}`;
  expect(restore?.["status"]).toBe("failed");
  expect(restore?.["error"]).toMatch(/^E_CUSTOMER_KEY_DESTROYED: .*the customer's key salt is gone .*\(\/data was not changed\)$/);
  expect(await wishOf(old.customerId)).toMatchObject({ pending: true, restore_vm_id: vmId, failed: true, restore_fulfilled_id: null });
  expect((await wishOf(old.customerId))["restore_error"]).toMatch(/^E_CUSTOMER_KEY_DESTROYED: /);
  const story = await actions(old.customerId);
  expect(story).toContain("restore.failed");
  expect(story.at(-1)).toBe("customer.restore-failed");

  // The agent was told: the gate opens (with a warning) instead of holding the app for its whole timeout.
  const opened = await gate.exited;
  expect(opened.code, gate.output()).toBe(0);
  expect(gate.output()).toContain("W_INITIAL_RESTORE_FAILED");
  expect(gate.output()).toContain("E_CUSTOMER_KEY_DESTROYED");
  expect(dataTree(agent.dataDir)).toEqual(freshTree);
  // The sweep leaves a given-up wish alone: no second attempt, no second restores row.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect((await workers.queues.initialRestore.getJob(jobId))?.attemptsMade).toBe(attempts);
  expect(await sql`select count(*)::int as n from public.restores where vm_id = ${vmId}`).toEqual([{ n: 1 }]);
  await agent.stop();
});

test("a wish whose snapshot is gone fails with a clear error even while the agent is offline; the agent learns it when it connects", async () => {
  const { sql, workers, cp } = stack();
  const customer = await createVm(sql, { region: "SG", status: "deleted" });
  const [snapshot] = await sql`insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, completed_at)
    values (${customer.vmId}, ${customer.customerId}, 'final', 'completed', 'SG', 'nacre-sg', ${`${customer.customerId}/${customer.vmId}/final.nacre`}, 10, ${"ab".repeat(32)},
            ${`${customer.customerId}:v1`}, now()) returning id`;
  await cancelCustomer({ sql, queue: workers.lifecycle }, customer.customerId, cp.now());
  expect((await resubscribeCustomer({ sql, queue: workers.lifecycle }, customer.customerId, cp.now())).restoreSnapshotId).toBe(snapshot?.["id"]);
  // The snapshot row disappears (deleted by hand, or by a retention bug): the wish keeps its date but loses its snapshot.
  await sql`delete from public.snapshots where id = ${snapshot?.["id"] as string}`;

  const vmId = await freshVm(customer.customerId);
  const agent = await enrollRealAgent(stack(), vmId, { seed: seedFreshVm, app: appCommands(join(stack().work, `${vmId}-app`)) });
  await expect.poll(async () => (await wishOf(customer.customerId))["failed"], { timeout: 20_000 }).toBe(true);
  expect((await wishOf(customer.customerId))["restore_error"]).toMatch(/^E_RESTORE_SNAPSHOT_GONE: the snapshot recorded when the customer resubscribed no longer exists/);
  expect((await actions(customer.customerId)).at(-1)).toBe("customer.restore-failed");
  expect(await sql`select count(*)::int as n from public.restores where vm_id = ${vmId}`).toEqual([{ n: 0 }]);

  // The gate waits (the agent has not connected, so it was not told) …
  const gate = startGate(agent);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(gate.child.exitCode, gate.output()).toBeNull();
  // … until the daemon connects: auth.ok carries the failure.
  await agent.start();
  const opened = await gate.exited;
  expect(opened.code, gate.output()).toBe(0);
  expect(gate.output()).toContain("E_RESTORE_SNAPSHOT_GONE");
  expect(existsSync(join(agent.dataDir, "openclaw.json"))).toBe(true);
  await agent.stop();
});

test("wait-ready without a pending restore returns at once, and gives up with exit 11 after its timeout when enrollment never happens", async () => {
  const { sql } = stack();
  const vm = await createVm(sql, { region: "US" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  // An active customer with no wish: nothing to wait for.
  const ready = await startGate(agent, "5s").exited;
  expect(ready.code).toBe(0);

  const lonely = join(stack().work, "never-enrolled");
  mkdirSync(lonely, { recursive: true });
  const configFile = join(lonely, "agent.json");
  writeFileSync(configFile, JSON.stringify({ stateDir: join(lonely, "state"), dataDir: lonely }), { mode: 0o600 });
  const started = Date.now();
  const gate = startGate({ ...agent, configFile, dataDir: lonely }, "1s");
  const timedOut = await gate.exited;
  expect(timedOut.code, gate.output()).toBe(11);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(gate.output()).toContain("E_WAIT_READY_TIMEOUT");
  expect(gate.output()).toContain("waiting for this VM to be enrolled");
});

// The "done when": a VM directory on this machine, with the real agent bundle (enrolled with a
// one-time token, then running as the daemon) against the real gateway, Postgres, Redis and S3
// server, is snapshotted on command into the region's bucket; the snapshot row's region, size and
// SHA-256 match the object, and the object decrypts (with the customer key, never seen by the agent)
// to exactly the VM's files.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import { createEnrollmentToken, customerKeyById, withServiceSession } from "@nacre/db";
import { locateAgent, runSnapshot } from "@nacre/fleet";
import { extractArchive, openSnapshotStream, unwrapDataKey } from "@nacre/snapshot";
import { afterAll, expect, inject, test } from "vitest";
import { BUCKETS, useGateway } from "./fixtures.ts";

const BUNDLE = resolve(import.meta.dirname, "../../agent/dist/nacre-agent.mjs");
const fixture = useGateway();
const subscriber = new Redis(inject("redisUrl"));
const work = mkdtempSync(join(tmpdir(), "nacre-e2e-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  subscriber.disconnect();
  rmSync(work, { recursive: true, force: true });
});

function makeVmData(dir: string): void {
  mkdirSync(join(dir, "workspace", "memory"), { recursive: true });
  mkdirSync(join(dir, "state", "agents"), { recursive: true });
  writeFileSync(join(dir, "workspace", "MEMORY.md"), "# What I remember\n- the customer likes short answers\n");
  writeFileSync(join(dir, "workspace", "memory", "2026-11-21.md"), "Backed up tonight.\n".repeat(1000));
  writeFileSync(join(dir, "state", "agents", "blob.bin"), randomBytes(3 * 1024 * 1024));
  writeFileSync(join(dir, "state", "openclaw.json"), JSON.stringify({ agents: { defaults: { workspace: "/data/workspace" } } }));
}

async function runBundle(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  return { code, output };
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  }).sort();
}

test("the real agent enrolls, connects, and snapshots its /data on command; the row matches the object", async () => {
  const { sql, cp, redis, gateway } = fixture();
  const customerId = randomUUID();
  const vmId = randomUUID();
  await sql`insert into auth.users (id, email) values (${customerId}, 'e2e@example.com')`;
  await sql`insert into public.customers (id, email) values (${customerId}, 'e2e@example.com')`;
  await sql`insert into public.vms (id, customer_id, hostname, region, status) values (${vmId}, ${customerId}, 'e2e.us.nacre.local', 'US', 'active')`;
  const token = await withServiceSession(sql, (tx) => createEnrollmentToken(tx, vmId, 600, new Date()));

  const dataDir = join(work, "data");
  const stateDir = join(work, "state");
  makeVmData(dataDir);
  const configFile = join(work, "agent.json");
  writeFileSync(configFile, JSON.stringify({ gatewayUrl: gateway.url, stateDir, dataDir }), { mode: 0o600 });

  // Asynchronously: the gateway answering the enrollment runs in this very process.
  const enroll = await runBundle(["enroll", "--token", token, "--agent-config", configFile]);
  expect(enroll.code, enroll.output).toBe(0);
  const identityMode = statSync(join(stateDir, "identity.json")).mode & 0o777;
  expect(identityMode).toBe(0o600);

  const agent = spawn(process.execPath, [BUNDLE, "run", "--agent-config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(agent);
  let log = "";
  agent.stderr.on("data", (d: Buffer) => (log += d.toString()));
  agent.stdout.on("data", (d: Buffer) => (log += d.toString()));
  await expect.poll(() => locateAgent(redis, vmId), { timeout: 20_000 }).toBeDefined();

  const outcome = await runSnapshot(cp, { vmId, kind: "nightly", expectedBytes: 4 * 1024 * 1024 }, {
    redis, subscriber, acceptTimeoutMs: 15_000, resendEveryMs: 2_000, outcomeTimeoutMs: 60_000,
  });
  expect(outcome, log).toMatchObject({ ok: true, bucket: BUCKETS.US });
  if (!outcome.ok) return;

  const [row] = await sql`select region, size_bytes, sha256, key_id, bucket, object_key from public.snapshots where id = ${outcome.snapshotId}`;
  const object = Buffer.from(await (await fetch(await cp.signer.presignGetObject(outcome.bucket, outcome.objectKey, 60))).arrayBuffer());
  expect(row).toMatchObject({ region: "US", bucket: BUCKETS.US, key_id: `${customerId}:v1` });
  expect(Number(row?.["size_bytes"])).toBe(object.length);
  expect(row?.["sha256"]).toBe(createHash("sha256").update(object).digest("hex"));

  // Decrypt as support would (customer key from Postgres), extract, and compare with the VM's files.
  const opened = await openSnapshotStream(Readable.from([object]), {
    key: { unwrap: async (keyId, wrapped) => unwrapDataKey((await withServiceSession(sql, (tx) => customerKeyById(tx, keyId))).key, wrapped) },
  });
  const restored = join(work, "restored");
  await extractArchive(opened.tar, restored);
  const original = listFiles(dataDir);
  expect(listFiles(join(restored, "data"))).toEqual(original);
  for (const file of original) expect(readFileSync(join(restored, "data", file)).equals(readFileSync(join(dataDir, file))), file).toBe(true);

  // Heartbeats reached the VM row; SIGTERM stops the daemon cleanly.
  await expect.poll(async () => (await sql`select agent_version, disk_free_bytes from public.vms where id = ${vmId}`)[0]?.["disk_free_bytes"], { timeout: 10_000 }).not.toBeNull();
  const exited = new Promise<number | null>((done) => agent.once("exit", done));
  agent.kill("SIGTERM");
  expect(await exited).toBe(0);
});

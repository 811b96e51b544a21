// Issue #7's "done when", with the real agent bundle against the real gateway, Postgres, Redis and S3
// server: a VM's /data (a tmpfs mount point, as on a VM — it cannot be renamed) is restored from one of
// its snapshots and compared byte for byte; and /data stays untouched, or is put back, when a chunk of
// the object is tampered with, the health check fails, the download dies (once: resumed; always:
// failed), or the disk fills during extraction. Downloads go through the local-stack faulty proxy.
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { createEnrollmentToken, withServiceSession } from "@nacre/db";
import { locateAgent, RestoreStartError, runRestore, runSnapshot, startRestore } from "@nacre/fleet";
import type { ControlPlane, RunRestoreOptions } from "@nacre/fleet";
import { dataTree } from "@nacre/local-stack";
import { useFaultyProxy } from "@nacre/local-stack/vitest";
import { createBucketSigner } from "@nacre/storage";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { createEnrolledVm, useGateway } from "./fixtures.ts";

const BUNDLE = resolve(import.meta.dirname, "../../agent/dist/nacre-agent.mjs");
const fixture = useGateway();
const proxy = useFaultyProxy(() => fixture().s3);
const subscriber = new Redis(inject("redisUrl"));
const work = mkdtempSync(join(tmpdir(), "nacre-restore-"));
const dataDir = join(work, "data");
const stateDir = join(work, "state");
const unhealthy = join(work, "unhealthy");
const appLog = join(work, "app.log");
let agent: ChildProcess | undefined;
let log = "";
let vmId = "";
let customerId = "";
let viaProxy: ControlPlane;
const options = (): RunRestoreOptions => ({
  redis: fixture().redis, subscriber, acceptTimeoutMs: 15_000, resendEveryMs: 2_000, snapshotTimeoutMs: 60_000, silenceTimeoutMs: 60_000,
});

beforeAll(async () => {
  const { sql, cp, gateway, s3 } = fixture();
  // /data on a VM is a mount point: so it is here (a tmpfs, resizable for the disk-full case).
  mkdirSync(dataDir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=256m", "tmpfs", dataDir]);
  viaProxy = { ...cp, signer: createBucketSigner({ endpoint: proxy().endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }) };
  customerId = randomUUID();
  vmId = randomUUID();
  await sql`insert into auth.users (id, email) values (${customerId}, 'restore@example.com')`;
  await sql`insert into public.customers (id, email) values (${customerId}, 'restore@example.com')`;
  await sql`insert into public.vms (id, customer_id, hostname, region, status) values (${vmId}, ${customerId}, 'restore.eu.nacre.local', 'EU', 'active')`;
  const token = await withServiceSession(sql, (tx) => createEnrollmentToken(tx, vmId, 600, new Date()));
  const configFile = join(work, "agent.json");
  const sh = (script: string): string[] => ["sh", "-c", script];
  writeFileSync(configFile, JSON.stringify({
    gatewayUrl: gateway.url, stateDir, dataDir,
    app: { pauseCommand: sh(`echo pause >> ${appLog}`), resumeCommand: sh(`echo resume >> ${appLog}`), healthCommand: sh(`test ! -e ${unhealthy}`) },
    restore: { healthTimeoutSeconds: 3, keepPreviousHours: 24 },
  }), { mode: 0o600 });
  const enroll = spawn(process.execPath, [BUNDLE, "enroll", `--token=${token}`, "--agent-config", configFile], { stdio: "ignore" });
  expect(await new Promise((done) => enroll.once("exit", done))).toBe(0);
  agent = spawn(process.execPath, [BUNDLE, "run", "--agent-config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  agent.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  agent.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  while ((await locateAgent(fixture().redis, vmId)) === undefined) {
    if (Date.now() > deadline) throw new Error(`the agent did not connect:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(() => {
  agent?.kill("SIGKILL");
  subscriber.disconnect();
  try {
    execFileSync("umount", ["-l", dataDir]);
  } catch {
    // already gone
  }
  rmSync(work, { recursive: true, force: true });
});

const tree = (dir: string): Record<string, string> => dataTree(dir);

function writeVersionOne(): void {
  mkdirSync(join(dataDir, "workspace", "memory"), { recursive: true });
  mkdirSync(join(dataDir, "state", "agents"), { recursive: true });
  writeFileSync(join(dataDir, "workspace", "MEMORY.md"), "# What I remember\n- short answers\n");
  writeFileSync(join(dataDir, "workspace", "memory", "2026-11-21.md"), "Backed up tonight.\n".repeat(1000));
  writeFileSync(join(dataDir, "state", "agents", "blob.bin"), randomBytes(3 * 1024 * 1024));
  writeFileSync(join(dataDir, "state", "secret.key"), "k", { mode: 0o600 });
  // The app runs as its own user: its files must come back owned by it, not by root (the agent).
  chownSync(join(dataDir, "workspace", "MEMORY.md"), 1234, 5678);
  chownSync(join(dataDir, "workspace", "memory"), 1234, 5678);
}

/** Changes /data the way a day of use would: a new file, an edited one, a deleted one. */
function useTheVm(day: string): void {
  writeFileSync(join(dataDir, "workspace", `${day}.md`), `what happened on ${day}\n`);
  writeFileSync(join(dataDir, "workspace", "MEMORY.md"), `# What I remember\n- changed on ${day}\n`);
  rmSync(join(dataDir, "workspace", "memory"), { recursive: true, force: true });
}

async function snapshotNow(): Promise<{ snapshotId: string; bucket: string; objectKey: string }> {
  const outcome = await runSnapshot(fixture().cp, { vmId, kind: "nightly", expectedBytes: 8 * 1024 * 1024 }, { ...options(), outcomeTimeoutMs: 60_000 });
  expect(outcome.ok, log).toBe(true);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome;
}

async function restoreRow(restoreId: string): Promise<Record<string, unknown>> {
  const [row] = await fixture().sql`select status::text as status, step, error, safety_snapshot_id, finished_at from public.restores where id = ${restoreId}`;
  return row!;
}

let snapshotA: { snapshotId: string; bucket: string; objectKey: string };
let treeA: Record<string, string>;

test("a restore puts the snapshot's /data back byte for byte, after a pre-restore snapshot, and keeps the replaced contents", async () => {
  writeVersionOne();
  symlinkInside();
  treeA = tree(dataDir);
  snapshotA = await snapshotNow();
  useTheVm("day-2");
  const treeB = tree(dataDir);
  expect(treeB).not.toEqual(treeA);

  const steps: string[] = [];
  const appLogBefore = existsSync(appLog) ? readFileSync(appLog, "utf8").trim().split("\n").filter(Boolean).length : 0;
  const supportUser = randomUUID();
  await fixture().sql`insert into auth.users (id, email) values (${supportUser}, 'support@nacre.example')`;
  const outcome = await runRestore(viaProxy, { vmId, snapshotId: snapshotA.snapshotId, requestedBy: supportUser }, { ...options(), onStep: (s) => steps.push(s) });
  expect(outcome, log).toMatchObject({ ok: true });
  expect(tree(dataDir)).toEqual(treeA);
  for (const owned of ["workspace/MEMORY.md", "workspace/memory"]) {
    const st = lstatSync(join(dataDir, owned));
    expect([st.uid, st.gid], owned).toEqual([1234, 5678]);
  }
  // The replaced contents are kept (for the grace period) inside /data, out of the way and out of snapshots.
  const kept = join(dataDir, `.nacre-pre-restore-${outcome.restoreId}`);
  expect(tree(kept)).toEqual(treeB);
  expect(readdirSync(dataDir).filter((n) => n.startsWith(".nacre-restore-"))).toEqual([]);
  expect(steps).toEqual(expect.arrayContaining(["safety-snapshot", "preflight", "pause", "download", "verify", "swap", "resume", "health", "done"]));
  // The app is paused before the safety snapshot (so it holds /data as the restore found it), once.
  expect(steps.indexOf("app-pause")).toBeGreaterThanOrEqual(0);
  expect(steps.indexOf("app-pause")).toBeLessThan(steps.indexOf("safety-snapshot"));
  expect(steps.indexOf("safety-snapshot-done")).toBeLessThan(steps.indexOf("preflight"));
  expect(readFileSync(appLog, "utf8").trim().split("\n").slice(appLogBefore)).toEqual(["pause", "resume"]);

  const row = await restoreRow(outcome.restoreId);
  expect(row).toMatchObject({ status: "succeeded", step: "done", error: null });
  const [safety] = await fixture().sql`select kind::text as kind, status::text as status, hold_until - created_at as hold from public.snapshots where id = ${row["safety_snapshot_id"] as string}`;
  expect(safety).toMatchObject({ kind: "pre-restore", status: "completed" });
  const audit = await fixture().sql`select action, actor_id, actor_kind::text as actor_kind from public.audit_log where vm_id = ${vmId} and action like 'restore.%' order by id`;
  expect(audit.map((a) => a["action"])).toEqual(expect.arrayContaining(["restore.requested", "restore.step", "restore.succeeded"]));
  expect(audit.every((a) => a["actor_id"] === supportUser && a["actor_kind"] === "support")).toBe(true);
});

test("restoring another customer's snapshot onto the VM is refused before anything happens", async () => {
  const other = await createEnrolledVm(fixture().sql, "EU");
  const [snap] = await fixture().sql`insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, completed_at)
    values (${other.vmId}, ${other.customerId}, 'nightly', 'completed', 'EU', 'nacre-eu', ${`${other.vmId}/x.nacre`}, 10, ${"0".repeat(64)}, ${`${other.customerId}:v1`}, now()) returning id`;
  const refused = await startRestore(viaProxy, { vmId, snapshotId: snap!["id"] as string }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(RestoreStartError);
  expect((refused as RestoreStartError).code).toBe("E_SNAPSHOT_NOT_YOURS");
  expect(await fixture().sql`select 1 from public.restores where snapshot_id = ${snap!["id"] as string}`).toHaveLength(0);
});

test("(b) a tampered chunk fails verification and /data is untouched", async () => {
  useTheVm("day-3");
  const before = tree(dataDir);
  const { bucket, objectKey } = await snapshotNow();
  const file = findStoredObject(bucket, objectKey);
  const size = statSync(file).size;
  const fd = openSync(file, "r+");
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, Math.floor(size / 2));
  byte[0] = byte[0]! ^ 0x01;
  writeSync(fd, byte, 0, 1, Math.floor(size / 2));
  closeSync(fd);
  const snapshotId = (await fixture().sql`select id from public.snapshots where object_key = ${objectKey}`)[0]!["id"] as string;

  const outcome = await runRestore(viaProxy, { vmId, snapshotId }, options());
  expect(outcome, log).toMatchObject({ ok: false, status: "failed", rolledBack: true });
  if (outcome.ok) return;
  expect(outcome.code).toMatch(/^E_(CHUNK|AUTH|TAMPER|INTEGRITY|DECRYPT|HASH)/);
  expect(tree(dataDir)).toEqual(before);
  expect(readdirSync(dataDir).filter((n) => n.startsWith(".nacre-restore-"))).toEqual([]);
  expect((await restoreRow(outcome.restoreId))["status"]).toBe("failed");
});

test("(d) a failed health check swaps the previous data back and reports rolledBack", async () => {
  const before = tree(dataDir);
  writeFileSync(unhealthy, "");
  try {
    const outcome = await runRestore(viaProxy, { vmId, snapshotId: snapshotA.snapshotId }, options());
    expect(outcome, log).toMatchObject({ ok: false, status: "rolled-back", code: "E_HEALTH_CHECK", rolledBack: true });
    expect(tree(dataDir)).toEqual(before);
    expect(readdirSync(dataDir).filter((n) => n.startsWith(".nacre-") && n.endsWith(outcome.restoreId))).toEqual([]);
    expect(await restoreRow(outcome.restoreId)).toMatchObject({ status: "rolled-back" });
    expect(readFileSync(appLog, "utf8").trim().split("\n").at(-1)).toBe("resume");
  } finally {
    unlinkSync(unhealthy);
  }
});

test("(a) a download cut once is resumed with Range and succeeds; cut every time it fails with /data untouched", async () => {
  // The control plane's own header read is the first GET; the agent's download is the second.
  proxy().setRules([{ on: "GetObject", nth: 2, action: { kind: "drop-after", bytes: 200_000 } }]);
  const first = proxy().requests.length;
  const resumed = await runRestore(viaProxy, { vmId, snapshotId: snapshotA.snapshotId }, options());
  expect(resumed, log).toMatchObject({ ok: true });
  expect(tree(dataDir)).toEqual(treeA);
  const gets = proxy().requests.slice(first).filter((r) => r.kind === "GetObject");
  expect(gets.some((r) => r.fault === "drop-after")).toBe(true);
  expect(gets.some((r) => r.range?.startsWith("bytes=") && r.range !== "bytes=0-1125")).toBe(true);

  useTheVm("day-4");
  const before = tree(dataDir);
  proxy().setRules([{ on: "GetObject", nth: 2, times: Infinity, action: { kind: "drop-after", bytes: 200_000 } }]);
  try {
    const failed = await runRestore(viaProxy, { vmId, snapshotId: snapshotA.snapshotId }, options());
    expect(failed, log).toMatchObject({ ok: false, status: "failed", code: "E_DOWNLOAD", rolledBack: true });
    expect(tree(dataDir)).toEqual(before);
  } finally {
    proxy().setRules([]);
  }
});

test("(c) a disk that fills during extraction fails cleanly with /data untouched", async () => {
  // 64 MiB of zeros compress to almost nothing: the free-space estimate passes, the extraction cannot fit.
  writeFileSync(join(dataDir, "zeros.bin"), Buffer.alloc(64 * 1024 * 1024));
  const { snapshotId } = await snapshotNow();
  unlinkSync(join(dataDir, "zeros.bin"));
  const before = tree(dataDir);
  const usedKiB = Number(execFileSync("df", ["--output=used", "-k", dataDir]).toString().trim().split("\n")[1]);
  execFileSync("mount", ["-o", `remount,size=${usedKiB + 24 * 1024}k`, dataDir]);
  try {
    const outcome = await runRestore(viaProxy, { vmId, snapshotId }, options());
    expect(outcome, log).toMatchObject({ ok: false, status: "failed", code: "E_DISK_FULL", rolledBack: true });
    expect(tree(dataDir)).toEqual(before);
    expect(readdirSync(dataDir).filter((n) => n.startsWith(".nacre-restore-"))).toEqual([]);
  } finally {
    execFileSync("mount", ["-o", "remount,size=256m", dataDir]);
  }
});

function symlinkInside(): void {
  execFileSync("ln", ["-s", "workspace/MEMORY.md", join(dataDir, "memory-link")]);
}

/** The file the local S3 server keeps an object's bytes in. */
function findStoredObject(bucket: string, key: string): string {
  const root = join(fixture().s3.dir, bucket);
  const base = key.split("/").at(-1)!;
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
  const found = walk(root).filter((p) => p.includes(base) && !p.endsWith(".json") && !p.includes("metadata") && existsSync(p));
  const object = found.find((p) => p.endsWith("._S3rver_object")) ?? found[0];
  if (!object) throw new Error(`no stored file for ${bucket}/${key} among ${walk(root).slice(0, 5).join(", ")}`);
  return object;
}

// The hosted product's main job on the local stack: the seeded customer alice's VM (region SG) gets a
// real agent — the one-file bundle, enrolled with a one-time token, running as the daemon against the
// stack's gateway — and the control plane snapshots its data directory on command, the way the nightly
// job will. The snapshot row is printed; the agent keeps running (and heartbeating) until Ctrl-C.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { connect, createEnrollmentToken, withServiceSession } from "@nacre/db";
import { locateAgent, runSnapshot } from "@nacre/fleet";
import { createBucketSigner } from "@nacre/storage";
import type { Stack } from "./start-stack.ts";

const BUNDLE = resolve(import.meta.dirname, "../../../apps/agent/dist/nacre-agent.mjs");
/** Alice's VM in supabase/seed.sql. */
const ALICE_VM = "aaaaaaaa-0000-4000-8000-00000000000a";

export interface ManagedDemo {
  agent: ChildProcess;
  stop(): Promise<void>;
}

/** Enrolls and starts alice's agent, snapshots her VM through the gateway, prints the row. */
export async function runManagedDemo(stack: Stack, dir: string, say: (line: string) => void): Promise<ManagedDemo> {
  const vmDir = join(dir, "vm-alice");
  const dataDir = join(vmDir, "data");
  mkdirSync(join(dataDir, "workspace", "memory"), { recursive: true });
  writeFileSync(join(dataDir, "workspace", "MEMORY.md"), "# Alice's assistant\n- prefers the metric system\n");
  writeFileSync(join(dataDir, "workspace", "memory", "today.md"), `Snapshot demo at ${new Date().toISOString()}\n`);
  const configFile = join(vmDir, "agent.json");
  // No OpenClaw runs on the local stack: the app commands stand in for its unit (a log line each), and
  // the health check after a restore asks that the assistant's memory file came back.
  const appLog = join(vmDir, "app.log");
  const sh = (script: string): string[] => ["/bin/sh", "-c", script];
  const app = {
    pauseCommand: sh(`echo "$(date -u +%FT%TZ) pause" >> '${appLog}'`),
    resumeCommand: sh(`echo "$(date -u +%FT%TZ) resume" >> '${appLog}'`),
    healthCommand: sh(`test -s '${join(dataDir, "workspace", "MEMORY.md")}'`),
  };
  writeFileSync(configFile, JSON.stringify({ gatewayUrl: stack.gateway.url, stateDir: join(vmDir, "state"), dataDir, app }, null, 2), { mode: 0o600 });

  const sql = connect(stack.databaseUrl, { applicationName: "nacre-dev-stack", max: 2 });
  const redis = new Redis(stack.redisUrl);
  const subscriber = new Redis(stack.redisUrl);
  let agent: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise<void>((done) => agent?.once("exit", () => done()));
      agent.kill("SIGTERM");
      await exited;
    }
    redis.disconnect();
    subscriber.disconnect();
    await sql.end({ timeout: 5 });
  };
  try {
    say("a one-time enrollment token for alice's VM (SG), then `nacre-agent enroll`");
    const token = await withServiceSession(sql, (tx) => createEnrollmentToken(tx, ALICE_VM, 600, new Date()));
    // --force: a previous run's identity does not match a database rebuilt by db:reset.
    await runToEnd([BUNDLE, "enroll", "--token", token, "--agent-config", configFile, "--force"]);

    say("`nacre-agent run`: the daemon dials the gateway");
    const agentLog = openSync(join(vmDir, "agent.log"), "a");
    agent = spawn(process.execPath, [BUNDLE, "run", "--agent-config", configFile], { stdio: ["ignore", agentLog, agentLog] });
    closeSync(agentLog);
    const deadline = Date.now() + 20_000;
    while ((await locateAgent(redis, ALICE_VM)) === undefined) {
      if (Date.now() > deadline) throw new Error(`alice's agent did not connect; its config is ${configFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    say("snapshot on command: data key wrapped under alice's key, grant, pre-signed parts, complete + HEAD");
    const outcome = await runSnapshot(
      {
        sql,
        signer: createBucketSigner({ endpoint: stack.s3.endpoint, region: stack.s3.region, accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey }),
        buckets: stack.s3.buckets as Record<"SG" | "US" | "EU", string>,
        grantSigningKey: createPrivateKey(readFileSync(stack.gateway.grantKeyFile, "utf8")),
        now: () => new Date(),
      },
      { vmId: ALICE_VM, kind: "nightly", expectedBytes: 1024 * 1024 },
      { redis, subscriber, acceptTimeoutMs: 15_000, resendEveryMs: 2_000, outcomeTimeoutMs: 60_000 },
    );
    if (!outcome.ok) throw new Error(`the snapshot failed: ${outcome.code}: ${outcome.message}`);
    const [row] = await sql`select id, kind, region, bucket, object_key, size_bytes, sha256, key_id, completed_at
      from public.snapshots where id = ${outcome.snapshotId}`;
    for (const [field, value] of Object.entries(row ?? {})) say(`  ${field.padEnd(12)} ${value instanceof Date ? value.toISOString() : String(value)}`);
    say(`alice's agent keeps running and heartbeating (pid ${agent.pid}); its log: ${join(vmDir, "agent.log")}`);
    return { agent, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runToEnd(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  if (code !== 0) throw new Error(`nacre-agent ${args[1]} exited with ${code}:\n${output}`);
}

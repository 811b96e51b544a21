// `pnpm bench:fleet` (issue #4 §6): N simulated agents, speaking the real protocol from a few agent
// processes, against one gateway process and then against two replicas. Prints the connections held,
// the gateways' RSS, heartbeat rows written to Postgres per second, and the command round trip as the
// control plane sees it, each beside its target. A benchmark that prints figures, not a timed test.
//
// Knobs (environment): NACRE_FLEET_AGENTS (20000), NACRE_HEARTBEAT_INTERVAL_SECONDS (30, passed to the
// gateways; 10 triples the ingest load), NACRE_FLEET_CONNECT_RATE (2000 agents/s), NACRE_FLEET_COMMAND_RATE
// (50 commands/s), NACRE_FLEET_AGENTS_PER_PROCESS (5000), NACRE_FLEET_REPLICAS ("1,2": the phases),
// NACRE_FLEET_GATEWAY_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), NACRE_FLEET_GATEWAY_MAIN (the
// gateway's entry, src/main.ts by default: point it at a patched copy to measure a change first).
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import { ensurePostgres, ensureRedis } from "@nacre/local-stack";
import { AgentPool } from "./agent-pool.ts";
import { insertFleet, installHeartbeatWriteLog } from "./fleet-database.ts";
import { runPhase } from "./fleet-phase.ts";
import type { PhaseFigures } from "./fleet-report.ts";
import { formatReport } from "./fleet-report.ts";
import { canRaiseOpenFiles } from "./gateway-process.ts";

// The gateway's defaults, set explicitly because the measurement window is built from them.
const HEARTBEAT_FLUSH_MS = 1_000;
const PING_INTERVAL_MS = 30_000;

function intFromEnv(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`E_CONFIG: ${name} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}

const say = (line: string): void => void process.stderr.write(`\x1b[2m[bench:fleet]\x1b[0m ${line}\n`);

let failed = false;
const cleanups: { name: string; fn: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        say(`cleanup of ${name} failed: ${String(error)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping everything this run started`);
    failed = true;
    void cleanUp().then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const agents = intFromEnv("NACRE_FLEET_AGENTS", 20_000, 1);
  const heartbeatIntervalSeconds = intFromEnv("NACRE_HEARTBEAT_INTERVAL_SECONDS", 30, 5);
  const connectRatePerSecond = intFromEnv("NACRE_FLEET_CONNECT_RATE", 2_000, 1);
  const commandRatePerSecond = intFromEnv("NACRE_FLEET_COMMAND_RATE", 50, 1);
  const perProcess = intFromEnv("NACRE_FLEET_AGENTS_PER_PROCESS", 5_000, 1);
  const phases = (process.env["NACRE_FLEET_REPLICAS"] ?? "1,2").split(",").map(Number);
  if (phases.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`E_CONFIG: NACRE_FLEET_REPLICAS is a list of replica counts like "1,2"`);
  // The flags the gateway runs with in production (docs/agent-link.md): a 16 MiB young generation keeps
  // a connect storm's garbage from inflating RSS. Override to compare.
  const gatewayNodeFlags = (process.env["NACRE_FLEET_GATEWAY_NODE_FLAGS"] ?? "--max-semi-space-size=16").split(" ").filter(Boolean);
  const gatewayMain = process.env["NACRE_FLEET_GATEWAY_MAIN"] || undefined;
  const runId = randomBytes(3).toString("hex");
  const started = performance.now();

  const postgres = await ensurePostgres();
  const redisServer = await ensureRedis();
  cleanups.push({ name: "local servers", fn: async () => { await redisServer.stop(); await postgres.stop(); } });
  const db = await createTestDatabase(postgres.url);
  cleanups.push({ name: `database ${db.name}`, fn: () => db.drop() });
  const sql = connect(db.url, { applicationName: "nacre-bench-fleet", max: 4 });
  cleanups.push({ name: "database pool", fn: () => sql.end({ timeout: 5 }) });
  const redis = new Redis(redisServer.url);
  const subscriber = new Redis(redisServer.url);
  // Every command in flight listens on the shared subscriber; dozens at once are the point here.
  subscriber.setMaxListeners(0);
  cleanups.push({ name: "redis connections", fn: () => { redis.disconnect(); subscriber.disconnect(); } });
  const tmp = await mkdtemp(join(tmpdir(), "nacre-bench-fleet-"));
  // Kept when the run fails: the gateways' logs are in it.
  cleanups.push({ name: tmp, fn: () => (failed ? say(`gateway logs kept in ${tmp}`) : rm(tmp, { recursive: true, force: true })) });
  const grantKeyFile = join(tmp, "grant-signing-key.pem");
  await writeFile(grantKeyFile, generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });

  const vmIds = Array.from({ length: agents }, () => randomUUID());
  const processes = Math.ceil(agents / perProcess);
  say(`${agents} agents in ${processes} process(es); making their keys`);
  const { pool, identities } = await AgentPool.start(vmIds, processes);
  cleanups.push({ name: "agent processes", fn: () => pool.stop() });
  cleanups.push({ name: "registry keys", fn: () => deleteRegistryKeys(redis, vmIds) });
  const insertStart = performance.now();
  await insertFleet(sql, identities);
  await installHeartbeatWriteLog(sql);
  say(`fleet written to ${db.name} in ${((performance.now() - insertStart) / 1000).toFixed(1)} s`);

  // No S3 call happens in this bench (no snapshot is started and a fresh database has no expired
  // upload to sweep), so the bucket settings only have to pass the gateway's config check.
  const gatewayEnv = {
    DATABASE_URL: db.url, REDIS_URL: redisServer.url,
    S3_ENDPOINT: "http://127.0.0.1:9", S3_REGION: "auto", S3_ACCESS_KEY_ID: "bench-unused", S3_SECRET_ACCESS_KEY: "bench-unused",
    NACRE_BUCKET_SG: "nacre-bench-sg", NACRE_BUCKET_US: "nacre-bench-us", NACRE_BUCKET_EU: "nacre-bench-eu",
    NACRE_GRANT_SIGNING_KEY_FILE: grantKeyFile,
    NACRE_HEARTBEAT_INTERVAL_SECONDS: String(heartbeatIntervalSeconds),
    NACRE_HEARTBEAT_FLUSH_MS: String(HEARTBEAT_FLUSH_MS),
    NACRE_PING_INTERVAL_MS: String(PING_INTERVAL_MS),
  };
  if (!canRaiseOpenFiles()) say("cannot raise the gateway's open-files limit here (no CAP_SYS_RESOURCE): it runs with this process's limit");
  const results: PhaseFigures[] = [];
  for (const replicas of phases) {
    results.push(await runPhase({
      sql, redis, subscriber, pool, agents, gatewayEnv, gatewayNodeFlags, gatewayMain, heartbeatIntervalSeconds,
      heartbeatFlushMs: HEARTBEAT_FLUSH_MS, pingIntervalMs: PING_INTERVAL_MS, connectRatePerSecond, commandRatePerSecond, logDir: tmp, runId,
      onCleanup: (name, fn) => cleanups.push({ name, fn }), say,
    }, replicas));
  }

  const [load1] = loadavg();
  process.stdout.write(`\nFleet bench ${new Date().toISOString()} — Node ${process.versions.node}, ${availableParallelism()} cores, ` +
    `N = ${agents}, heartbeat interval ${heartbeatIntervalSeconds} s (flush every ${HEARTBEAT_FLUSH_MS} ms), ping interval ${PING_INTERVAL_MS / 1000} s, ` +
    `${processes} agent process(es), run took ${((performance.now() - started) / 1000).toFixed(0)} s, load average ${load1?.toFixed(2)}\n\n`);
  process.stdout.write(`${formatReport(results)}\n`);
}

/** The registry entries of this run's VMs (a drained gateway removes its own; this catches the rest). */
async function deleteRegistryKeys(redis: Redis, vmIds: string[]): Promise<void> {
  for (let i = 0; i < vmIds.length; i += 5_000) {
    await redis.del(...vmIds.slice(i, i + 5_000).map((id) => `nacre:agent:${id}`));
  }
}

try {
  await main();
  await cleanUp();
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  failed = true;
  await cleanUp();
  process.exit(1);
}

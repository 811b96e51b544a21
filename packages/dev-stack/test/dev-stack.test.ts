// The README's first command, as a user runs it: the stack comes up, prints what runs where, has
// the seeded database, the regional buckets and the email recorder, and on SIGINT stops what it
// started while leaving the PostgreSQL and Redis it found running alone.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, expect, test } from "vitest";

const main = resolve(import.meta.dirname, "../src/main.ts");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test("the stack comes up seeded, and SIGINT stops only what it started", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nacre-stack-"));
  dirs.push(dir);
  // The PostgreSQL server reads the Vault root key under this directory as its own OS user.
  await chmod(dir, 0o755);
  const database = `nacre_stack_${process.pid}`;
  const jobsPrefix = `nacre-test-stack-${process.pid}`;
  const child = spawn(process.execPath, [main, "--no-demo"], {
    env: { ...process.env, NACRE_LOCAL_DIR: dir, NACRE_S3_PORT: "0", NACRE_EMAIL_PORT: "0", NACRE_GATEWAY_PORT: "0", NACRE_OPS_PORT: "0", NACRE_DASHBOARD_PORT: "0", NACRE_DATABASE: database,
      // The workers' queues under a prefix of this test's own, removed afterwards.
      NACRE_JOBS_PREFIX: jobsPrefix },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.on("exit", done));

  await waitFor(() => output.includes("ready."), 90_000, () => output);
  const line = (name: string): string => output.split("\n").find((l) => l.trimStart().startsWith(name)) ?? "";
  expect(line("PostgreSQL")).toContain(database);
  expect(line("Redis")).toMatch(/redis:\/\/127\.0\.0\.1:\d+/);
  const s3Endpoint = /http:\/\/127\.0\.0\.1:\d+/.exec(line("S3"))?.[0];
  const emailUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(line("Email recorder"))?.[0];
  expect(line("S3")).toContain("nacre-sg, nacre-us, nacre-eu");

  const dbUrl = /postgres(ql)?:\/\/\S+/.exec(line("PostgreSQL"))?.[0] ?? "";
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const vms = await sql`select hostname, region from public.vms order by hostname`;
    expect(vms.map((v) => `${v["hostname"]} ${v["region"]}`)).toEqual([
      "alice-claw.sg.nacre.local SG",
      "bob-claw.eu.nacre.local EU",
    ]);
    const [keys] = await sql`select count(*)::int as n from private.platform_secret_versions`;
    expect(keys?.["n"]).toBe(1);
  } finally {
    await sql.end();
  }
  expect((await fetch(`${s3Endpoint}/nacre-eu`)).status).toBeLessThan(500);
  expect((await fetch(`${emailUrl}/`)).status).toBe(200);
  const gatewayUrl = /ws:\/\/127\.0\.0\.1:\d+\/agent/.exec(line("Gateway"))?.[0] ?? "";
  const health = await fetch(gatewayUrl.replace(/^ws/, "http").replace(/\/agent$/, "/healthz"));
  expect(await health.json()).toMatchObject({ ok: true, agents: 0 });
  const opsUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(line("Workers"))?.[0] ?? "";
  expect(await (await fetch(`${opsUrl}/metrics`)).text()).toContain("nacre_queue_jobs");
  const dashboardUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(line("Dashboard"))?.[0] ?? "";
  expect(await (await fetch(`${dashboardUrl}/api/health`)).json()).toEqual({ ok: true });

  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(output).toContain("stopped.");
  await expect(fetch(`${s3Endpoint}/nacre-eu`)).rejects.toThrow();
  await expect(fetch(`${emailUrl}/`)).rejects.toThrow();
  await expect(fetch(gatewayUrl.replace(/^ws/, "http").replace(/\/agent$/, "/healthz"))).rejects.toThrow();
  await expect(fetch(`${opsUrl}/metrics`)).rejects.toThrow();
  await expect(fetch(`${dashboardUrl}/api/health`)).rejects.toThrow();

  const redis = new Redis(/redis:\/\/\S+/.exec(line("Redis"))?.[0] ?? "");
  const keys = await redis.keys(`${jobsPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();

  // A PostgreSQL server found running must still answer afterwards; drop the test database on it.
  if (!line("PostgreSQL").includes("already running")) return;
  const admin = new URL(dbUrl);
  admin.pathname = "/postgres";
  const adminSql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await adminSql.unsafe(`drop database if exists ${database} with (force)`);
  } finally {
    await adminSql.end();
  }
});

async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

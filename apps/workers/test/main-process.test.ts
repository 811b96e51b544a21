// The process as an operator runs it: `node src/main.ts` with its environment. It says when it is
// ready, logs JSON lines, keeps one 03:00 UTC scheduler, works the queues, and stops cleanly on
// SIGTERM.
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import { enqueueFanout, nightlyJobId, openJobQueues } from "@nacre/jobs";
import { useEmailRecorder, useS3Server } from "@nacre/local-stack/vitest";
import { afterAll, expect, inject, test } from "vitest";
import { describeFailure } from "@nacre/core";
import { BUCKETS, createVm, dropPrefix } from "./fixtures.ts";

const s3 = useS3Server({ buckets: Object.values(BUCKETS) });
const recorder = useEmailRecorder();
const work = mkdtempSync(join(tmpdir(), "nacre-workers-main-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("main.ts starts, schedules 03:00 UTC once, runs a night to its end, and stops on SIGTERM", async () => {
  const db = await createTestDatabase(inject("postgresUrl"));
  const sql = connect(db.url, { applicationName: "nacre-workers-main-test" });
  const connection = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const prefix = `nacre-test:${randomUUID().slice(0, 8)}`;
  const queues = openJobQueues({ connection, prefix });
  const keyFile = join(work, "grant.pem");
  writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const server = s3();
  const child = spawn(process.execPath, [resolve(import.meta.dirname, "../src/main.ts")], {
    env: {
      PATH: process.env["PATH"], DATABASE_URL: db.url, REDIS_URL: inject("redisUrl"),
      S3_ENDPOINT: server.endpoint, S3_REGION: server.region, S3_ACCESS_KEY_ID: server.accessKeyId, S3_SECRET_ACCESS_KEY: server.secretAccessKey,
      NACRE_BUCKET_SG: BUCKETS.SG, NACRE_BUCKET_US: BUCKETS.US, NACRE_BUCKET_EU: BUCKETS.EU, NACRE_GRANT_SIGNING_KEY_FILE: keyFile,
      RESEND_API_KEY: recorder().apiKey, RESEND_BASE_URL: recorder().baseUrl, NACRE_EMAIL_FROM: "Nacre Backups <backups@nacre.test>",
      NACRE_JOBS_PREFIX: prefix, NACRE_NIGHTLY_RETRY_DELAY_MS: "100", NACRE_NIGHTLY_SPREAD_MS: "0",
      NACRE_OPS_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const exited = new Promise<number | null>((done) => child.once("exit", done));
  try {
    const ready = await new Promise<Record<string, unknown>>((resolveReady, reject) => {
      createInterface({ input: child.stdout }).once("line", (line) => resolveReady(JSON.parse(line) as Record<string, unknown>));
      void exited.then((code) => reject(new Error(`main.ts exited with ${code}: ${JSON.stringify(logs)}`)));
    });
    expect(ready).toEqual({ ready: true, prefix, ops: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(await queues.fanout.getJobSchedulers()).toMatchObject([{ key: "snapshot.fanout", pattern: "0 3 * * *", tz: "UTC" }]);

    // A VM whose agent never enrolled: seven attempts a few milliseconds apart, then a failed night.
    const vm = await createVm(sql);
    await enqueueFanout(queues, { night: "2031-04-01" });
    await expect.poll(async () => (await queues.nightly.getJob(nightlyJobId(vm.vmId, "2031-04-01")))?.getState(), { timeout: 20_000 }).toBe("failed");
    const [night] = await sql`select status::text, attempts, last_error_code, last_error from public.backup_nights where vm_id = ${vm.vmId}`;
    expect(night).toEqual({ status: "failed", attempts: 7, last_error_code: "E_VM_NOT_ENROLLED", last_error: describeFailure("E_VM_NOT_ENROLLED") });

    // The ops endpoint of the process itself counts that night's attempts.
    const metrics = await (await fetch(`${ready["ops"] as string}/metrics`)).text();
    expect(metrics).toContain('nacre_queue_jobs{queue="snapshot-nightly",state="failed"} 1');
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(logs.every((entry) => typeof entry["time"] === "string" && typeof entry["level"] === "string")).toBe(true);
    expect(logs.map((entry) => entry["message"])).toEqual(expect.arrayContaining(["workers started", "night failed", "stopped"]));
  } finally {
    child.kill("SIGKILL");
    await queues.close();
    await dropPrefix(connection, prefix);
    connection.disconnect();
    await sql.end({ timeout: 5 });
    await db.drop();
  }
});

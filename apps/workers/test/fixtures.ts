// The whole nightly path for one test file: a fresh migrated database, the shared Redis (queues
// under a prefix of this file's own), a local S3 server with one bucket per region, the real
// gateway, the email recorder standing in for Resend, and the workers, in-process, with time
// compressed (retry delay and spread window in milliseconds).
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import type { TestDatabase } from "@nacre/db/testing";
import { applyRetention } from "@nacre/fleet";
import type { ControlPlane } from "@nacre/fleet";
import { startGateway } from "@nacre/gateway";
import type { Gateway } from "@nacre/gateway";
import type { FinalBackupTiming, NightlyTiming } from "@nacre/jobs";
import type { EmailRecorder } from "@nacre/local-stack";
import { useEmailRecorder, useS3Server } from "@nacre/local-stack/vitest";
import { createBucketSigner } from "@nacre/storage";
import { afterAll, beforeAll, inject } from "vitest";
import { createResendMailer } from "../src/mailer.ts";
import { startWorkers } from "../src/start-workers.ts";
import type { Workers } from "../src/start-workers.ts";
import type { InitialRestoreSettings, SnapshotTimeouts } from "../src/worker-deps.ts";

export const BUCKETS = { SG: "nacre-sg", US: "nacre-us", EU: "nacre-eu" } as const;

export interface NightlyStack {
  db: TestDatabase;
  sql: Sql;
  /** A plain connection for the test's own look-ups (the agent registry). */
  redis: Redis;
  cp: ControlPlane;
  gateway: Gateway;
  recorder: EmailRecorder;
  workers: Workers;
  logs: Record<string, unknown>[];
  /** VMs whose nightly succeeded, in order, as retention (the real one) was run for them. */
  retained: string[];
  /** A scratch directory for agents' files, removed afterwards. */
  work: string;
}

export interface StackOptions {
  timing: NightlyTiming;
  snapshot?: Partial<SnapshotTimeouts>;
  /** Create the 03:00 UTC scheduler (only the test that checks it needs one). */
  schedule?: boolean;
  /** The final backup's retry window (compressed in tests). */
  finalBackup?: FinalBackupTiming;
  /** The initial restore's sweep and retries (compressed in tests); its sweep runs only when given. */
  initialRestore?: Partial<InitialRestoreSettings>;
}

/** Starts everything once for the test file; stops it and removes its queues afterwards. */
export function useNightlyStack(options: StackOptions): () => NightlyStack {
  const s3 = useS3Server({ buckets: Object.values(BUCKETS) });
  const recorder = useEmailRecorder();
  let stack: NightlyStack | undefined;
  const closers: (() => Promise<unknown> | void)[] = [];
  beforeAll(async () => {
    const redisUrl = inject("redisUrl");
    const db = await createTestDatabase(inject("postgresUrl"));
    closers.push(() => db.drop());
    const sql = connect(db.url, { applicationName: "nacre-workers-tests", max: 20 });
    closers.push(() => sql.end({ timeout: 5 }));
    const redis = new Redis(redisUrl);
    const gatewaySubscriber = new Redis(redisUrl);
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const subscriber = new Redis(redisUrl);
    closers.push(() => [redis, gatewaySubscriber, connection, subscriber].forEach((r) => r.disconnect()));
    const work = mkdtempSync(join(tmpdir(), "nacre-workers-"));
    closers.push(() => rmSync(work, { recursive: true, force: true }));
    const server = s3();
    const logs: Record<string, unknown>[] = [];
    const log = (entry: Record<string, unknown>): void => void logs.push(entry);
    const cp: ControlPlane = {
      sql,
      signer: createBucketSigner({ endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
      buckets: { ...BUCKETS },
      grantSigningKey: generateKeyPairSync("ed25519").privateKey,
      now: () => new Date(),
    };
    const gateway = await startGateway({
      gatewayId: `workers-test-${randomUUID().slice(0, 8)}`, host: "127.0.0.1", port: 0, cp, redis, subscriber: gatewaySubscriber,
      heartbeatIntervalSeconds: 30, heartbeatFlushMs: 100, pingIntervalMs: 30_000, sweepIntervalMs: 3_600_000, log,
    });
    closers.push(() => gateway.close());
    const retained: string[] = [];
    const workers = await startWorkers({
      cp, connection, redis, subscriber,
      prefix: `nacre-test:${randomUUID().slice(0, 8)}`,
      timing: options.timing,
      snapshot: { acceptTimeoutMs: 10_000, resendEveryMs: 500, outcomeTimeoutMs: 60_000, ...options.snapshot },
      mailer: createResendMailer({ apiKey: recorder().apiKey, baseUrl: recorder().baseUrl, from: "Nacre Backups <backups@nacre.test>" }),
      nightlyConcurrency: 10,
      schedule: options.schedule ?? false,
      ...(options.finalBackup ? { finalBackup: options.finalBackup } : {}),
      ...(options.initialRestore ? { initialRestore: options.initialRestore } : {}),
      opsPort: 0,
      applyRetention: async (vmId) => {
        retained.push(vmId);
        return applyRetention(cp, vmId);
      },
      log,
    });
    closers.push(async () => {
      await workers.close();
      await dropPrefix(redis, workers.queues.prefix);
    });
    stack = { db, sql, redis, cp, gateway, recorder: recorder(), workers, logs, retained, work };
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
  });
  return () => {
    if (!stack) throw new Error("useNightlyStack: available inside tests and hooks after beforeAll");
    return stack;
  };
}

export interface TestVm {
  vmId: string;
  customerId: string;
  email: string;
  hostname: string;
}

/** A customer with one VM, as provisioning would make them (no agent enrolled yet). */
export async function createVm(
  sql: Sql,
  options: { region?: "SG" | "US" | "EU"; status?: "active" | "deleted"; customerCancelled?: boolean } = {},
): Promise<TestVm> {
  const customerId = randomUUID();
  const vmId = randomUUID();
  const email = `owner-${customerId.slice(0, 8)}@example.com`;
  const hostname = `vm-${vmId.slice(0, 8)}.nacre.local`;
  await sql`insert into auth.users (id, email) values (${customerId}, ${email})`;
  if (options.customerCancelled) {
    await sql`insert into public.customers (id, email, plan_state, cancelled_at, purge_at)
      values (${customerId}, ${email}, 'cancelled', now(), now() + interval '90 days')`;
  } else {
    await sql`insert into public.customers (id, email) values (${customerId}, ${email})`;
  }
  await sql`insert into public.vms (id, customer_id, hostname, region, status, deleted_at)
    values (${vmId}, ${customerId}, ${hostname}, ${options.region ?? "SG"}, ${options.status ?? "active"},
            ${options.status === "deleted" ? new Date() : null})`;
  return { vmId, customerId, email, hostname };
}

/** Polls until the job has finished; resolves with its final state. */
export async function waitForJob(workers: Workers, jobId: string, timeoutMs = 60_000): Promise<"completed" | "failed"> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let job;
    for (const queue of workers.queues.all()) job ??= await queue.getJob(jobId);
    const state = await job?.getState();
    if (state === "completed" || state === "failed") return state;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${state ?? "missing"} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Deletes every key under a queue prefix: the queues, their jobs, the scheduler and its meta. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

// The workers' composition root: reads the environment, builds the adapters (Postgres, Redis for
// BullMQ and for the agent link, the bucket signer, the grant-signing key, Resend) and starts the
// workers. SIGTERM/SIGINT stop taking jobs and wait for the running ones; a second signal exits now
// (BullMQ hands an interrupted job to another worker once its lock expires).
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import { buildControlPlane } from "@nacre/fleet";
import { readWorkersConfig } from "./config.ts";
import { createResendMailer } from "./mailer.ts";
import { startWorkers } from "./start-workers.ts";

const log = (entry: Record<string, unknown>): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), service: "workers", ...entry })}\n`);
};

let config;
try {
  config = readWorkersConfig(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const sql = connect(config.DATABASE_URL, { applicationName: `nacre-workers:${hostname()}-${process.pid}`, max: 20 });
// BullMQ blocks on its connection and must never give up a command (maxRetriesPerRequest: null);
// the agent link's commands should fail fast instead, so they get connections of their own.
const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const subscriber = new Redis(config.REDIS_URL);

const workers = await startWorkers({
  cp: buildControlPlane(config, sql),
  connection,
  redis,
  subscriber,
  prefix: config.NACRE_JOBS_PREFIX,
  timing: { retryDelayMs: config.NACRE_NIGHTLY_RETRY_DELAY_MS, spreadMs: config.NACRE_NIGHTLY_SPREAD_MS },
  snapshot: {
    acceptTimeoutMs: config.NACRE_AGENT_ACCEPT_TIMEOUT_MS,
    resendEveryMs: config.NACRE_AGENT_RESEND_MS,
    outcomeTimeoutMs: config.NACRE_SNAPSHOT_TIMEOUT_MS,
  },
  mailer: createResendMailer({
    apiKey: config.RESEND_API_KEY,
    ...(config.RESEND_BASE_URL ? { baseUrl: config.RESEND_BASE_URL } : {}),
    from: config.NACRE_EMAIL_FROM,
  }),
  nightlyConcurrency: config.NACRE_NIGHTLY_CONCURRENCY,
  finalBackup: { retryDelayMs: config.NACRE_FINAL_BACKUP_RETRY_DELAY_MS },
  opsPort: config.NACRE_OPS_PORT,
  log,
});
// The ready line a supervisor (or a test) waits for.
process.stdout.write(`${JSON.stringify({ ready: true, prefix: workers.queues.prefix, ops: workers.ops?.url })}\n`);

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) {
    log({ level: "warn", message: "second signal; exiting without waiting for running jobs", signal });
    process.exit(1);
  }
  stopping = true;
  log({ level: "info", message: "stopping: no new jobs; waiting for running ones", signal });
  await workers.close();
  connection.disconnect();
  redis.disconnect();
  subscriber.disconnect();
  await sql.end({ timeout: 5 });
  log({ level: "info", message: "stopped" });
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

// Vitest fixtures for the local stack: one server (proxy, recorder) per test file, started or found
// in beforeAll and stopped in afterAll when it was started. A separate entry point so that the dev script never loads vitest.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startEmailRecorder } from "./email-recorder.ts";
import type { EmailRecorder, EmailRecorderOptions } from "./email-recorder.ts";
import { ensurePostgres } from "./ensure-postgres.ts";
import type { EnsurePostgresOptions, LocalPostgres } from "./ensure-postgres.ts";
import { ensureRedis } from "./ensure-redis.ts";
import type { EnsureRedisOptions, LocalRedis } from "./ensure-redis.ts";
import { startFaultyProxy } from "./faulty-proxy.ts";
import type { FaultyProxy } from "./faulty-proxy.ts";
import { startS3Server } from "./s3-server.ts";
import type { S3Server, S3ServerOptions } from "./s3-server.ts";

/** Starts a local S3 server for the current test file; call the returned getter inside tests. */
export function useS3Server(options: S3ServerOptions): () => S3Server {
  let server: S3Server | undefined;
  beforeAll(async () => {
    server = await startS3Server(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("useS3Server: the server exists only inside tests and hooks after beforeAll");
    return server;
  };
}

/** Starts a faulty proxy in front of a server from useS3Server(); rules are set per test. */
export function useFaultyProxy(server: () => S3Server): () => FaultyProxy {
  let proxy: FaultyProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultyProxy({ target: server().endpoint });
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  return () => {
    if (!proxy) throw new Error("useFaultyProxy: the proxy exists only inside tests and hooks after beforeAll");
    return proxy;
  };
}

/** Starts an email recorder for the current test file; each test starts with no recorded email. */
export function useEmailRecorder(options: EmailRecorderOptions = {}): () => EmailRecorder {
  let recorder: EmailRecorder | undefined;
  beforeAll(async () => {
    recorder = await startEmailRecorder(options);
  });
  beforeEach(() => {
    recorder?.clear();
  });
  afterAll(async () => {
    await recorder?.stop();
  });
  return () => {
    if (!recorder) throw new Error("useEmailRecorder: the recorder exists only inside tests and hooks after beforeAll");
    return recorder;
  };
}

/**
 * PostgreSQL for the current test file: the server running on this machine when usable, else one
 * of our own, stopped in afterAll (a server found running is never stopped). Where none runs, start
 * it once in vitest's globalSetup with ensurePostgres(): files run in parallel, and one file's
 * afterAll would otherwise stop the cluster another file found and is still using.
 */
export function usePostgres(options: EnsurePostgresOptions = {}): () => LocalPostgres {
  let postgres: LocalPostgres | undefined;
  beforeAll(async () => {
    postgres = await ensurePostgres(options);
  });
  afterAll(async () => {
    await postgres?.stop();
  });
  return () => {
    if (!postgres) throw new Error("usePostgres: the server exists only inside tests and hooks after beforeAll");
    return postgres;
  };
}

/** Redis for the current test file, found running or started (and then stopped in afterAll). */
export function useRedis(options: EnsureRedisOptions = {}): () => LocalRedis {
  let redis: LocalRedis | undefined;
  beforeAll(async () => {
    redis = await ensureRedis(options);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (!redis) throw new Error("useRedis: the server exists only inside tests and hooks after beforeAll");
    return redis;
  };
}

// The local stack's building blocks, shared by the dev stack script and the tests: PostgreSQL
// (and pgTAP) and Redis found running or started, a real S3-compatible server and a faulty network
// in front of it, and a Resend-compatible email recorder.
// Vitest helpers live in the "@nacre/local-stack/vitest" entry.
export { startS3Server } from "./s3-server.ts";
export type { S3Server, S3ServerOptions } from "./s3-server.ts";
export { startFaultyProxy } from "./faulty-proxy.ts";
export type { FaultAction, FaultRule, FaultyProxy, RecordedRequest } from "./faulty-proxy.ts";
export { classifyS3Request } from "./classify-s3-request.ts";
export type { S3RequestKind } from "./classify-s3-request.ts";
export { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, LOCAL_REGION } from "./s3-defaults.ts";
export { DEFAULT_RESEND_API_KEY, startEmailRecorder } from "./email-recorder.ts";
export type { EmailRecorder, EmailRecorderOptions } from "./email-recorder.ts";
export type { EmailRecorderReadyLine } from "./email-recorder-main.ts";
export type { RecordedEmail, ResendError, ResendErrorName } from "./resend-api.ts";
export { DEFAULT_POSTGRES_DATA_DIR, ensurePostgres } from "./ensure-postgres.ts";
export type { EnsurePostgresOptions, LocalPostgres } from "./ensure-postgres.ts";
export { ensurePgTap } from "./ensure-pgtap.ts";
export type { EnsurePgTapOptions, PgTap } from "./ensure-pgtap.ts";
export { ensureRedis } from "./ensure-redis.ts";
export type { EnsureRedisOptions, LocalRedis } from "./ensure-redis.ts";
export { probePostgres } from "./probe-postgres.ts";
export type { PostgresProbe, ProbePostgresOptions } from "./probe-postgres.ts";
export { probeRedis } from "./probe-redis.ts";
export type { RedisProbe } from "./probe-redis.ts";
export type { LogLine } from "./log-line.ts";
export { dataTree } from "./data-tree.ts";
export { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from "./ensure-chromium.ts";

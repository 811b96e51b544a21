// @nacre/workers: the BullMQ workers for the lifecycle jobs. `startWorkers` is the library entry
// (tests start it in-process); `main.ts` is the process entry. Handlers live in src/handlers/, one
// `handle(payload, ctx)` per job name of the catalog in @nacre/jobs.
export { DEFAULT_NIGHTLY_CONCURRENCY, startWorkers } from "./start-workers.ts";
export type { Workers, WorkersOptions } from "./start-workers.ts";
export { readWorkersConfig, WorkersConfig } from "./config.ts";
export { createResendMailer } from "./mailer.ts";
export type { EmailMessage, Mailer, ResendMailerOptions } from "./mailer.ts";
export { describeFailure, FAILURE_WORDS, failureKind } from "@nacre/core";
export type { FailureKind } from "@nacre/core";
export type { HandlerContext, JobFacts, Log, SnapshotTimeouts, WorkerDeps } from "./worker-deps.ts";
export { createMetrics, renderMetrics } from "./ops/metrics.ts";
export type { Metrics } from "./ops/metrics.ts";
export { queueView } from "./ops/queue-view.ts";
export type { QueueView } from "./ops/queue-view.ts";
export { startOpsServer } from "./ops/ops-server.ts";
export type { OpsServer } from "./ops/ops-server.ts";

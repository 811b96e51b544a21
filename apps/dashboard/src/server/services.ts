// The dashboard's composition root: one set of adapters per server process (the Postgres pool, the
// Redis connection, the job queues, the control plane), built on first use from the validated
// environment. Next may evaluate this module more than once in development, so the instance lives on
// globalThis rather than in a module variable.
import "server-only";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { buildControlPlane } from "@nacre/fleet";
import type { ControlPlane } from "@nacre/fleet";
import { lifecycleQueue, openJobQueues } from "@nacre/jobs";
import type { LifecycleQueue } from "@nacre/jobs";
import { readDashboardConfig } from "./config.ts";
import type { DashboardEnv } from "./config.ts";

export interface Services {
  config: DashboardEnv;
  sql: Sql;
  redis: Redis;
  controlPlane: ControlPlane;
  queue: LifecycleQueue;
}

const KEY = Symbol.for("nacre.dashboard.services");
type Holder = { [KEY]?: Services };

/** The process's services, created on the first request. */
export function services(): Services {
  const holder = globalThis as Holder;
  holder[KEY] ??= build();
  return holder[KEY];
}

function build(): Services {
  const config = readDashboardConfig();
  const sql = connect(config.DATABASE_URL, { applicationName: "nacre-dashboard", max: 10 });
  // BullMQ must never give up a command (maxRetriesPerRequest: null); the rate limiter, tickets and
  // registry lookups use their own connection that fails a request quickly while Redis is away.
  const queueConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const queues = openJobQueues({ connection: queueConnection, prefix: config.NACRE_JOBS_PREFIX });
  return { config, sql, redis, controlPlane: buildControlPlane(config, sql), queue: lifecycleQueue(queues) };
}

// Vitest global setup for the workers: PostgreSQL and Redis, found running or started, shared with
// every test file through inject().
import { ensurePostgres, ensureRedis } from "@nacre/local-stack";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await ensurePostgres();
  const redis = await ensureRedis();
  project.provide("postgresUrl", postgres.url);
  project.provide("redisUrl", redis.url);
  return async () => {
    await redis.stop();
    await postgres.stop();
  };
}

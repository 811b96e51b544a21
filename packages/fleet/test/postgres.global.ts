// Vitest global setup for the fleet package: a reachable PostgreSQL server, found running or started
// once by the local stack, shared with every test file through `inject("postgresUrl")`.
import { ensurePostgres } from "@nacre/local-stack";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await ensurePostgres();
  project.provide("postgresUrl", postgres.url);
  return () => postgres.stop();
}

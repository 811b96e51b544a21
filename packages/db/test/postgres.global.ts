// Vitest global setup for the db package: a reachable PostgreSQL server with pgTAP, found or
// started by the local stack, shared with every test file through `inject("postgresUrl")`.
import { ensurePgTap, ensurePostgres } from "@nacre/local-stack";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await ensurePostgres();
  await ensurePgTap();
  project.provide("postgresUrl", postgres.url);
  return () => postgres.stop();
}

// Shared fixtures for the db package's tests: a fresh migrated database per test file, a pool on
// it, and customers created the way sign-up will create them (auth user, then customer row).
import { randomUUID } from "node:crypto";
import { connect } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import type { TestDatabase } from "@nacre/db/testing";
import { afterAll, beforeAll, inject } from "vitest";

export interface DbFixture {
  db: TestDatabase;
  /** A pool that logs in as the server's admin user, as the apps' pools do locally. */
  sql: Sql;
}

/** A migrated throwaway database for the current test file. */
export function useDatabase(): () => DbFixture {
  let fixture: DbFixture | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase(inject("postgresUrl"));
    fixture = { db, sql: connect(db.url, { applicationName: "nacre-db-tests" }) };
  });
  afterAll(async () => {
    await fixture?.sql.end({ timeout: 5 });
    await fixture?.db.drop();
  });
  return () => {
    if (!fixture) throw new Error("useDatabase: the database exists only inside tests and hooks after beforeAll");
    return fixture;
  };
}

/** Creates an auth user and its customer row; returns the id. */
export async function createCustomer(sql: Sql, email: string): Promise<string> {
  const id = randomUUID();
  await sql`insert into auth.users (id, email) values (${id}, ${email})`;
  await sql`insert into public.customers (id, email) values (${id}, ${email})`;
  return id;
}

/** Creates an active VM for a customer; returns the id. */
export async function createVm(sql: Sql, customerId: string, hostname: string, region: "SG" | "US" | "EU"): Promise<string> {
  const [row] = await sql`insert into public.vms (customer_id, hostname, region, status)
    values (${customerId}, ${hostname}, ${region}, 'active') returning id`;
  return row?.["id"] as string;
}

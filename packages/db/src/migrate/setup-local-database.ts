// Everything the local stack and the tests do to turn a plain Postgres database into the control
// plane's: create it if needed, the Supabase stand-ins, the migrations, the first platform secret
// version (an operator's one-time step on a real project), and optionally the seed.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "../connect.ts";
import { applyLocalStandIns } from "./apply-local-stand-ins.ts";
import { applyMigrations } from "./apply-migrations.ts";
import type { Migration } from "./apply-migrations.ts";
import { SUPABASE_DIR } from "./supabase-dir.ts";

export interface SetupLocalDatabaseOptions {
  /** The database to prepare; created when it does not exist. */
  url: string;
  vaultRootKeyFile: string;
  /** Apply supabase/seed.sql after the migrations (the dev stack does; tests seed their own). */
  seed?: boolean;
  /** Drop and recreate the database first (`pnpm db:reset`). */
  reset?: boolean;
}

/** Creates (or resets), migrates and optionally seeds a local database; returns the migrations applied. */
export async function setupLocalDatabase(options: SetupLocalDatabaseOptions): Promise<Migration[]> {
  await createDatabase(options.url, options.reset ?? false);
  // One connection, so the session-level Vault setting made by the stand-ins covers every step.
  const sql = connect(options.url, { applicationName: "nacre-migrate", max: 1 });
  try {
    await applyLocalStandIns(sql, { vaultRootKeyFile: options.vaultRootKeyFile });
    const applied = await applyMigrations(sql);
    await sql`select private.add_platform_secret_version()
      where not exists (select 1 from private.platform_secret_versions)`;
    if (options.seed) await sql.unsafe(await readFile(join(SUPABASE_DIR, "seed.sql"), "utf8"));
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function createDatabase(url: string, reset: boolean): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`database name ${JSON.stringify(name)} must be lower-case letters, digits and underscores`);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = connect(admin.toString(), { applicationName: "nacre-migrate", max: 1 });
  try {
    if (reset) await sql.unsafe(`drop database if exists ${name} with (force)`);
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!exists) await sql.unsafe(`create database ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Drops a database, disconnecting whoever is still on it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = connect(admin.toString(), { applicationName: "nacre-migrate", max: 1 });
  try {
    await sql.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

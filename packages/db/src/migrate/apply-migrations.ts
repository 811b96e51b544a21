// Applies supabase/migrations in filename order, each in its own transaction, and records it in
// supabase_migrations.schema_migrations: the table the Supabase CLI keeps, so a database migrated
// here and one migrated with `supabase db push` agree on what has run.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sql } from "../connect.ts";
import { SUPABASE_DIR } from "./supabase-dir.ts";

const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: string;
  name: string;
  path: string;
}

/** The migrations on disk, oldest first; a misnamed file is an error rather than silently skipped. */
export async function listMigrations(dir = join(SUPABASE_DIR, "migrations")): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  return files.map((file) => {
    const match = MIGRATION_FILE.exec(file);
    if (!match) {
      throw new Error(`${join(dir, file)}: migration files are named <14-digit timestamp>_<snake_name>.sql`);
    }
    return { version: match[1] as string, name: match[2] as string, path: join(dir, file) };
  });
}

/** Applies every migration not yet recorded; returns the versions it applied. */
export async function applyMigrations(sql: Sql, dir?: string): Promise<Migration[]> {
  const migrations = await listMigrations(dir);
  await sql`create schema if not exists supabase_migrations`;
  await sql`create table if not exists supabase_migrations.schema_migrations (
    version text primary key, statements text[], name text)`;
  const applied: Migration[] = [];
  for (const migration of migrations) {
    const text = await readFile(migration.path, "utf8");
    const done = await sql.begin(async (tx) => {
      // Two processes migrating at once: the second waits here, then sees the row and skips.
      await tx`lock table supabase_migrations.schema_migrations in exclusive mode`;
      const [row] = await tx`select 1 from supabase_migrations.schema_migrations where version = ${migration.version}`;
      if (row) return false;
      try {
        await tx.unsafe(text);
      } catch (error) {
        throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
        values (${migration.version}, ${migration.name}, ${[text]})`;
      return true;
    });
    if (done) applied.push(migration);
  }
  return applied;
}

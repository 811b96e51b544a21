// "Migrations apply unchanged to a real Supabase project": the real Supabase CLI (`supabase db push`)
// applies supabase/migrations to a database that has only what a Supabase project has before them
// (here, the local stand-ins), records them in the same history table our runner uses, and the
// result works: our runner finds nothing left to do, and customer keys derive.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect, customerKeyForNewSnapshot, withServiceSession } from "@nacre/db";
import { applyLocalStandIns, applyMigrations, dropDatabase, listMigrations, SUPABASE_DIR } from "@nacre/db/migrate";
import { expect, inject, test } from "vitest";
import { createCustomer } from "./fixtures.ts";

const run = promisify(execFile);
const supabaseCli = join(import.meta.dirname, "../node_modules/.bin/supabase");

test("supabase db push applies the migrations unchanged, and our runner agrees on what has run", async () => {
  const url = new URL(inject("postgresUrl"));
  url.pathname = `/nacre_test_cli_${randomBytes(4).toString("hex")}`;
  const work = await mkdtemp(join(tmpdir(), "nacre-supabase-cli-"));
  // The key's own directory is handed to the server's OS user (a root-only parent would hide it).
  const vaultDir = await mkdtemp(join(tmpdir(), "nacre-vault-"));
  const admin = connect(inject("postgresUrl"), { applicationName: "nacre-db-tests", max: 1 });
  await admin.unsafe(`create database ${url.pathname.slice(1)}`);
  await admin.end();
  const sql = connect(url.toString(), { applicationName: "nacre-db-tests", max: 1 });
  try {
    await applyLocalStandIns(sql, { vaultRootKeyFile: join(vaultDir, "root.key") });
    // The CLI reads <workdir>/supabase/migrations; point it at the repository's, touching nothing else.
    await mkdir(join(work, "project", "supabase"), { recursive: true });
    await symlink(join(SUPABASE_DIR, "migrations"), join(work, "project", "supabase", "migrations"));

    const { stdout, stderr } = await run(supabaseCli, ["db", "push", "--yes", `--remote=${url}`, "--workdir", join(work, "project")], {
      env: { ...process.env, CI: "true", DO_NOT_TRACK: "1" },
    });
    const migrations = await listMigrations();
    for (const m of migrations) expect(`${stdout}${stderr}`).toContain(`${m.version}_${m.name}.sql`);

    const recorded = await sql`select version, name from supabase_migrations.schema_migrations order by version`;
    expect(recorded.map((r) => `${r["version"]}_${r["name"]}`)).toEqual(migrations.map((m) => `${m.version}_${m.name}`));
    expect(await applyMigrations(sql)).toEqual([]);

    // The operator's one-time step on a new project, then the service role derives keys.
    await sql`select private.add_platform_secret_version()`;
    const customer = await createCustomer(sql, "pushed@example.com");
    const { keyId, key } = await withServiceSession(sql, (tx) => customerKeyForNewSnapshot(tx, customer));
    expect(keyId).toBe(`${customer}:v1`);
    expect(key).toHaveLength(32);
  } finally {
    await sql.end({ timeout: 5 });
    await dropDatabase(url.toString());
    await rm(work, { recursive: true, force: true });
    await rm(vaultDir, { recursive: true, force: true });
  }
});

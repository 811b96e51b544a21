// @nacre/db/migrate: applying supabase/migrations (and, locally, the auth and Vault stand-ins) to a
// database. Used by the dev stack, `pnpm db:migrate` and the test fixtures; never by a request path.
export { applyMigrations, listMigrations } from "./apply-migrations.ts";
export type { Migration } from "./apply-migrations.ts";
export { applyLocalStandIns } from "./apply-local-stand-ins.ts";
export { dropDatabase, setupLocalDatabase } from "./setup-local-database.ts";
export type { SetupLocalDatabaseOptions } from "./setup-local-database.ts";
export { SUPABASE_DIR } from "./supabase-dir.ts";

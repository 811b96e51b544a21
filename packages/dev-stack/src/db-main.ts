// `pnpm db:migrate` and `pnpm db:reset`: the local database (on the server the stack finds or starts)
// brought up to date, or dropped and rebuilt from the migrations and the seed.
//
//   node packages/dev-stack/src/db-main.ts migrate|reset
// Environment: NACRE_LOCAL_DIR (default <repo>/.nacre-local), NACRE_DATABASE (nacre).
import { join, resolve } from "node:path";
import { setupLocalDatabase } from "@nacre/db/migrate";
import { ensurePostgres } from "@nacre/local-stack";

const repo = resolve(import.meta.dirname, "../../..");
const command = process.argv[2];
if (command !== "migrate" && command !== "reset") {
  console.error("usage: db-main.ts migrate|reset");
  process.exit(2);
}
const dir = process.env["NACRE_LOCAL_DIR"] ?? join(repo, ".nacre-local");
const name = process.env["NACRE_DATABASE"] ?? "nacre";

const postgres = await ensurePostgres({ dataDir: join(dir, "postgres") });
try {
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  const applied = await setupLocalDatabase({
    url: url.toString(),
    vaultRootKeyFile: join(dir, "vault", "root.key"),
    seed: true,
    reset: command === "reset",
  });
  const what = applied.length === 0 ? "already up to date" : `applied ${applied.map((m) => `${m.version}_${m.name}`).join(", ")}`;
  console.log(`${command === "reset" ? "reset" : "migrated"} database ${name}: ${what}; seed applied`);
} finally {
  // A server started just for this command is stopped again; a running one is left alone.
  await postgres.stop();
}

// Prepares a plain Postgres database to look like a Supabase project before the migrations run:
// the API roles, the auth schema and the Vault stand-in from supabase/local/. Local only: a real
// project has all of this already, and the migrations never depend on this file.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sql, TransactionSql } from "../connect.ts";
import { SUPABASE_DIR } from "./supabase-dir.ts";
import { ensureVaultRootKey } from "./vault-root-key.ts";

export interface LocalStandInOptions {
  /** The Vault stand-in's root key file, created when missing. */
  vaultRootKeyFile: string;
}

/** Applies supabase/local/*.sql and points the database's Vault stand-in at its root key file. */
export async function applyLocalStandIns(sql: Sql, options: LocalStandInOptions): Promise<void> {
  await ensureVaultRootKey(options.vaultRootKeyFile);
  const [{ db }] = (await sql`select current_database() as db`) as unknown as [{ db: string }];
  // Roles are cluster-wide: two databases set up at once would race to create them.
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('nacre.local-stand-ins'))`;
    const dir = join(SUPABASE_DIR, "local");
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()) {
      await tx.unsafe(await readFile(join(dir, file), "utf8"));
    }
    await refuseForeignRootKey(tx, db, options.vaultRootKeyFile);
    // Database settings, so that every later session (the pool's too) knows where the key is and
    // finds extensions as on Supabase; the session's own copies serve the rest of this setup.
    await tx.unsafe(`alter database ${quoteIdent(db)} set nacre.vault_root_key_file = ${quoteLiteral(options.vaultRootKeyFile)}`);
    await tx.unsafe(`alter database ${quoteIdent(db)} set search_path = "$user", public, extensions`);
  });
  await sql`select set_config('nacre.vault_root_key_file', ${options.vaultRootKeyFile}, false),
    set_config('search_path', '"$user", public, extensions', false)`;
}

// Two checkouts (or two NACRE_LOCAL_DIRs) pointed at one database would otherwise silently swap the
// root key, and every secret stored under the old one (salts, platform secrets) would stop decrypting.
async function refuseForeignRootKey(tx: TransactionSql, db: string, keyFile: string): Promise<void> {
  const [{ stored }] = (await tx`select count(*)::int as stored from vault.secrets`) as unknown as [{ stored: number }];
  if (stored === 0) return;
  const previous = (await tx`select current_setting('nacre.vault_root_key_file', true) as path`)[0]?.["path"] as string | null;
  try {
    await tx.savepoint(async (sp) => {
      await sp`select set_config('nacre.vault_root_key_file', ${keyFile}, true)`;
      await sp`select decrypted_secret from vault.decrypted_secrets limit 1`;
    });
  } catch (cause) {
    throw new Error(
      `E_VAULT_ROOT_KEY: database ${db} keeps Vault secrets under another root key (${previous || "unknown file"}), ` +
        `not ${keyFile} — use the same NACRE_LOCAL_DIR as the run that created it, or rebuild it with \`pnpm db:reset\``,
      { cause },
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

// The local Vault stand-in keeps its root key outside the database. Pointing a database that already
// holds secrets at a different key file must be refused, or every stored salt would stop decrypting.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nacre/db";
import { applyLocalStandIns } from "@nacre/db/migrate";
import { expect, test } from "vitest";
import { createCustomer, useDatabase } from "./fixtures.ts";

const fixture = useDatabase();

test("a database with Vault secrets refuses another root key file, and keeps working with its own", async () => {
  const { db } = fixture();
  const sql = connect(db.url, { applicationName: "nacre-db-tests", max: 1 });
  const otherDir = await mkdtemp(join(tmpdir(), "nacre-vault-"));
  try {
    await createCustomer(sql, "salted@example.com");
    await expect(applyLocalStandIns(sql, { vaultRootKeyFile: join(otherDir, "root.key") })).rejects.toThrow(/E_VAULT_ROOT_KEY/);
    await applyLocalStandIns(sql, { vaultRootKeyFile: db.vaultRootKeyFile });
    const [row] = await sql`select count(decrypted_secret)::int as n from vault.decrypted_secrets`;
    expect(row?.["n"]).toBeGreaterThan(0);
  } finally {
    await sql.end({ timeout: 5 });
    await rm(otherDir, { recursive: true, force: true });
  }
});

// A throwaway database per test file: created on the shared Postgres server, set up exactly as the
// local stack sets up its own (stand-ins, migrations, first platform secret), dropped afterwards.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dropDatabase, setupLocalDatabase } from "../migrate/setup-local-database.ts";

export interface TestDatabase {
  url: string;
  name: string;
  vaultRootKeyFile: string;
  drop(): Promise<void>;
}

/** Creates and migrates a fresh database named nacre_test_<random> on the server at `serverUrl`. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `nacre_test_${randomBytes(6).toString("hex")}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const vaultRootKeyFile = join(await mkdtemp(join(tmpdir(), "nacre-vault-")), "root.key");
  await setupLocalDatabase({ url: url.toString(), vaultRootKeyFile });
  const drop = async (): Promise<void> => {
    await dropDatabase(url.toString());
    await rm(dirname(vaultRootKeyFile), { recursive: true, force: true });
  };
  return { url: url.toString(), name, vaultRootKeyFile, drop };
}

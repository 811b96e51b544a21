// The local Vault stand-in's root key: 32 random bytes (hex) in a file outside the database, read by
// the Postgres server itself through pg_read_file. So the file must be readable by the server's OS
// user: when we run as root and a `postgres` user exists (Debian's packages), the file and its
// directory are handed to that user, mode 0600/0700, and nobody else can read them.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Creates the root key file when missing (never overwrites: that would orphan every secret). */
export async function ensureVaultRootKey(path: string): Promise<void> {
  const dir = dirname(path);
  // Only the key's own directory is private; its parents keep the usual mode so the server's OS user
  // can reach it (a 0700 parent owned by root would hide the key from the server).
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (!/^[0-9a-f]{64}$/.test(existing)) {
      throw new Error(`${path} exists but is not a 64-hex-digit Vault root key; move it away to make a new one`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await writeFile(path, randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  }
  const owner = serverUser();
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(path, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  await chmod(path, 0o600);
}

function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

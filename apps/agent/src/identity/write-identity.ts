import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import type { IdentityFile } from "./identity-file.ts";

/**
 * Writes the identity file atomically: a 0600 temp file beside it, synced, then renamed over, so a crash
 * leaves the old file or the new one, never half of one. The directory is created 0700 when missing.
 */
export async function writeIdentity(path: string, identity: IdentityFile): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  // "wx": never follow or reuse a file someone placed at the temp name.
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(identity, null, 2)}\n`);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
  // The rename itself must survive a power cut, or `run` could find no identity after a reboot.
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

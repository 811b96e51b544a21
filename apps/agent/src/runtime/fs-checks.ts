// Two filesystem steps the agent's restores and enrollment share: asking whether a path exists without
// following or misreading errors, and fsyncing a directory so the renames in it survive a power cut.
import { lstat, open } from "node:fs/promises";

/** True when `path` exists (a dangling symlink counts); errors other than ENOENT are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** fsyncs a directory so the renames and creations in it survive a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// The fallback when the filesystem flush of durability.ts could not be done: every file and directory of
// a finished extraction is fsynced, each directory after its contents. Nothing is followed: symlinks are
// skipped (they live in their directory, whose fsync covers them) and every open is O_NOFOLLOW.
//
// Modes are final by now, and a restored mode may deny the owner what an fsync needs (a 000 file cannot be
// opened, a 000 directory cannot be listed). Such an entry is lent owner access with chmod for the moment
// and gets its mode back, through its descriptor, before the fsync; as root this never happens. A mode
// change leaves the mtime alone.
import { constants } from "node:fs";
import { chmod, lstat, open, readdir } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { errnoOf } from "./archive-error.ts";

/** Files fsynced at once within one directory. */
const SYNC_AHEAD = 16;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** fsyncs every regular file and directory below and including `root`; throws the first I/O error. */
export async function fsyncTree(root: string): Promise<void> {
  await syncDir(root);
}

async function syncDir(dir: string): Promise<void> {
  const { handle, mode } = await openLending(dir, DIR_FLAGS, 0o700);
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    let running: Array<Promise<void>> = [];
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await syncDir(path);
      else if (entry.isFile()) running.push(syncFile(path));
      if (running.length >= SYNC_AHEAD) {
        await Promise.all(running);
        running = [];
      }
    }
    await Promise.all(running);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFile(path: string): Promise<void> {
  const { handle, mode } = await openLending(path, FILE_FLAGS, 0o600);
  try {
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Opens `path`; on EACCES lends it the owner bits `need` and returns the mode to put back.
async function openLending(path: string, flags: number, need: number): Promise<{ handle: FileHandle; mode: number | undefined }> {
  try {
    return { handle: await open(path, flags), mode: undefined };
  } catch (err) {
    if (errnoOf(err) !== "EACCES") throw err;
  }
  const mode = (await lstat(path)).mode & 0o7777;
  await chmod(path, mode | need);
  try {
    return { handle: await open(path, flags), mode };
  } catch (err) {
    await chmod(path, mode);
    throw err;
  }
}

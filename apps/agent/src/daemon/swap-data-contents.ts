// The restore's swap, done on the CONTENTS of the data dir rather than the dir itself: under the
// systemd sandbox `/` is read-only and /data is usually a mount point, so neither "rename /data away"
// nor "stage beside /data" is possible (docs/agent-install.md). Staging therefore happens inside the
// data dir (<dataDir>/.nacre-restore-<id>/, same filesystem, excluded from snapshots), and the swap is
// one rename per top-level entry: the current entries into <dataDir>/.nacre-pre-restore-<id>/, then
// the staged entries up. A journal in the state dir is written (and fsynced) before the first rename,
// so a crash at any point is rolled back on the next start; every step of the rollback is idempotent.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import * as z from "zod";
import { pathExists, syncDir } from "../runtime/fs-checks.ts";

export const STAGING_PREFIX = ".nacre-restore-";
export const KEPT_PREFIX = ".nacre-pre-restore-";

export const SwapJournal = z.object({
  v: z.literal(1),
  restoreId: z.string(),
  dataDir: z.string(),
  /** The staged tree whose entries move up (<staging>/data). */
  staged: z.string(),
  /** Where the replaced entries go. */
  kept: z.string(),
  oldEntries: z.array(z.string()),
  newEntries: z.array(z.string()),
  /** "swapping": renames under way; "swapped": all done, waiting for the health check to commit. */
  phase: z.enum(["swapping", "swapped"]),
});
export type SwapJournal = z.infer<typeof SwapJournal>;

export const journalPath = (stateDir: string): string => join(stateDir, "restore-journal.json");

/** Top-level names of the data dir the swap never moves: restore work dirs and the agent's own files. */
export function agentOwnedNames(dataDir: string, ownPaths: string[]): Set<string> {
  const names = new Set<string>();
  for (const path of ownPaths) {
    const rel = relative(dataDir, path);
    if (rel === "" || rel.startsWith("..") || rel.startsWith(sep)) continue;
    names.add(rel.split(sep)[0]!);
  }
  return names;
}

const isWorkDir = (name: string): boolean => name.startsWith(STAGING_PREFIX) || name.startsWith(KEPT_PREFIX);

/** Moves the current entries into `kept` and the staged ones up; rolls back itself if a rename fails. */
export async function swapDataContents(input: { stateDir: string; restoreId: string; dataDir: string; staged: string; kept: string; owned: Set<string> }): Promise<SwapJournal> {
  const skip = (name: string): boolean => isWorkDir(name) || input.owned.has(name);
  const journal: SwapJournal = {
    v: 1, restoreId: input.restoreId, dataDir: input.dataDir, staged: input.staged, kept: input.kept,
    oldEntries: (await readdir(input.dataDir)).filter((n) => !skip(n)),
    newEntries: (await readdir(input.staged)).filter((n) => !skip(n)),
    phase: "swapping",
  };
  await mkdir(input.kept, { mode: 0o700 });
  await writeJournal(input.stateDir, journal);
  try {
    for (const name of journal.oldEntries) await rename(join(input.dataDir, name), join(input.kept, name));
    for (const name of journal.newEntries) await rename(join(input.staged, name), join(input.dataDir, name));
    await syncDir(input.dataDir);
  } catch (error) {
    await rollBackSwap(input.stateDir, journal);
    throw error;
  }
  journal.phase = "swapped";
  await writeJournal(input.stateDir, journal);
  return journal;
}

/** Puts the data dir back as it was before the swap and removes the journal; safe to run again after a crash. */
export async function rollBackSwap(stateDir: string, journal: SwapJournal): Promise<void> {
  // The restored entries out first (back into staging), so a name both trees share is free for the old one.
  await mkdir(journal.staged, { recursive: true, mode: 0o700 });
  for (const name of journal.newEntries) {
    if ((await pathExists(join(journal.dataDir, name))) && !(await pathExists(join(journal.staged, name)))) {
      await rename(join(journal.dataDir, name), join(journal.staged, name));
    }
  }
  for (const name of journal.oldEntries) {
    if (await pathExists(join(journal.kept, name))) await rename(join(journal.kept, name), join(journal.dataDir, name));
  }
  await syncDir(journal.dataDir);
  await rm(journal.kept, { recursive: true, force: true });
  await rm(join(journal.staged, ".."), { recursive: true, force: true });
  await rm(journalPath(stateDir), { force: true });
}

/** The swap is final: the journal goes (the kept entries stay until their grace period ends). */
export async function commitSwap(stateDir: string, journal: SwapJournal): Promise<void> {
  await rm(join(journal.staged, ".."), { recursive: true, force: true });
  await rm(journalPath(stateDir), { force: true });
}

/** The journal of a swap a crash interrupted, or undefined. */
export async function readJournal(stateDir: string): Promise<SwapJournal | undefined> {
  let text: string;
  try {
    text = await readFile(journalPath(stateDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return SwapJournal.parse(JSON.parse(text));
}

async function writeJournal(stateDir: string, journal: SwapJournal): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = journalPath(stateDir);
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(journal)}\n`, { mode: 0o600 });
  const handle = await open(tmp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncDir(stateDir);
}

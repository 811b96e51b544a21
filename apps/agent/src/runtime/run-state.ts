import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CliError, ExitCode } from "./cli-error.ts";

/**
 * What the agent remembers between runs: the last success and the last failure. It lives outside the
 * backed-up directories (a restore must not roll it back, and it must not be in the backup itself).
 */
export interface RunState {
  lastSuccess?: { at: string; key: string; size: number; sha256: string; durationMs: number };
  lastFailure?: { at: string; code: string; message: string };
  lastAttemptAt?: string;
  lastRetentionError?: { at: string; message: string };
}

/** Reads the run state; a missing file is an empty state, a corrupt one is an error to fix by hand. */
export async function readRunState(dir: string): Promise<RunState> {
  const file = join(dir, "state.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  try {
    return JSON.parse(text) as RunState;
  } catch {
    throw new CliError("E_STATE_CORRUPT", `the agent's state file ${file} is not valid JSON — delete it (only "last backup" history is lost)`, ExitCode.config);
  }
}

/** Writes the run state atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeRunState(dir: string, state: RunState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `state.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, join(dir, "state.json"));
}

/**
 * Takes the agent's lock so a manual `backup now` and the daemon never run at once. A lock left by a
 * process that no longer exists is taken over.
 */
export async function acquireLock(dir: string, purpose: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await readLockHolder(file);
      if (holder && isAlive(holder.pid)) {
        throw new CliError("E_BUSY", `another ${holder.purpose} is running (pid ${holder.pid}, since ${holder.since}) — wait for it to finish`, ExitCode.busy);
      }
      await rm(file, { force: true });
    }
  }
  throw new CliError("E_BUSY", `could not take the lock ${file} — another run is starting at the same moment`, ExitCode.busy);
}

async function readLockHolder(file: string): Promise<{ pid: number; purpose: string; since: string } | null> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

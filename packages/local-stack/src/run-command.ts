// Runs the few system commands the local stack needs (apt-get, initdb, test) without a shell, so
// that paths with spaces need no quoting, and keeps the end of their output for error messages.
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

export interface RunOptions {
  /** Run as this user and group (both, or neither); only root can. */
  uid?: number;
  gid?: number;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KiB of stdout and stderr, interleaved. */
  output: string;
}

const OUTPUT_TAIL_CHARS = 4_000;
const STANDARD_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Runs `file args` with stdin closed (so nothing can prompt) and resolves when it exits. */
export function runCommand(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, output: output.trim() }));
  });
}

/** The first executable called `name` in `dirs`, then PATH, then the usual system directories. */
export async function findExecutable(name: string, dirs: string[] = []): Promise<string | null> {
  const path = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...dirs, ...path, ...STANDARD_DIRS]) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return null;
}

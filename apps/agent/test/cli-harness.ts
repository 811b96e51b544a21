// Runs the real bundle as a subprocess, the way a user or systemd does, and builds sample installs.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSampleOpenclaw } from "../scripts/make-sample-openclaw.ts";

export const BUNDLE = fileURLToPath(new URL("../dist/nacre-agent.mjs", import.meta.url));

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr's JSON lines (non-TTY output), parsed. */
  events: Record<string, unknown>[];
}

/** Runs `nacre-agent ...args` with exactly the given environment (plus PATH). */
export function runAgent(args: string[], env: Record<string, string>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? tmpdir(), ...env }, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const events = stderr.split("\n").flatMap((l) => {
        try {
          return l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      });
      resolve({ code, stdout, stderr, events });
    });
  });
}

export interface Install {
  root: string;
  stateDir: string;
  workspace: string;
  configPath: string;
  env: Record<string, string>;
}

/** A sample OpenClaw install in a fresh temp dir, with its own agent state dir and passphrase env. */
export function makeInstall(backup: Record<string, unknown>, extraEnv: Record<string, string> = {}): Install {
  const root = mkdtempSync(join(tmpdir(), "nacre-cli-"));
  const sample = makeSampleOpenclaw(join(root, "openclaw"), { backup });
  return {
    root,
    ...sample,
    env: { HOME: root, OPENCLAW_STATE_DIR: sample.stateDir, NACRE_AGENT_STATE_DIR: join(root, "agent-state"), BACKUP_PASSPHRASE: "test passphrase for the cli", ...extraEnv },
  };
}

/** Every entry under dir with its type, mode, mtime (ms), link target and content, for exact comparison. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(path);
      } else out[rel] = `file ${mode} ${Math.floor(st.mtimeMs)} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    }
  };
  walk(dir);
  return out;
}

// Runs infra/agent/install.sh against a temp staging root (--root), with a fake agent bundle, a Node 24
// inside the root (a link to the one running the tests), and fake `systemctl`/`npm` commands on PATH that
// record their calls, so nothing on this machine is touched and nothing is fetched.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const AGENT_DIR = fileURLToPath(new URL("..", import.meta.url));
export const SCRIPT = join(AGENT_DIR, "install.sh");
export const UNIT_SOURCE = join(AGENT_DIR, "nacre-agent.service");
/** Where --node points in the staged root (a link to process.execPath). */
export const NODE = "/opt/node24/bin/node";

export interface Staging {
  /** The scratch dir: root/, bin/ (fake commands), calls.log, bundles. */
  dir: string;
  /** The staging root passed as --root. */
  root: string;
  /** A path inside the staged root, e.g. at("/etc/nacre/agent.json"). */
  at(path: string): string;
  /** A fake agent bundle that answers --version with `nacre-agent <version>`. */
  bundle(version: string): string;
  /** Every call the fake systemctl and npm received, one "name args…" line each. */
  calls(): string[];
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const made: string[] = [];

/** Removes every staging dir made so far (call it from afterAll). */
export function removeStagings(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function makeStaging(): Staging {
  const dir = mkdtempSync(join(tmpdir(), "nacre-install-"));
  made.push(dir);
  const root = join(dir, "root");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const callLog = join(dir, "calls.log");
  // systemctl must never be called with --root; fail loudly if it is. npm "installs" Node by linking ours.
  writeScript(join(bin, "systemctl"), `echo "systemctl $*" >> '${callLog}'\nexit 1\n`);
  writeScript(
    join(bin, "npm"),
    `echo "npm $*" >> '${callLog}'
prefix=""; pkg=""
while [ $# -gt 0 ]; do case $1 in --prefix) prefix=$2; shift 2 ;; -*) shift ;; *) pkg=$1; shift ;; esac; done
name=\${pkg%@*}
mkdir -p "$prefix/node_modules/$name/bin"
ln -sf '${process.execPath}' "$prefix/node_modules/$name/bin/node"
`,
  );
  const nodeLink = join(root, NODE);
  mkdirSync(dirname(nodeLink), { recursive: true });
  symlinkSync(process.execPath, nodeLink);
  return {
    dir,
    root,
    at: (path) => join(root, path),
    bundle(version) {
      const file = join(dir, `nacre-agent-${version}.mjs`);
      writeFileSync(file, `if (process.argv[2] === "--version") console.log("nacre-agent ${version}");\n`);
      return file;
    },
    calls() {
      try {
        return readFileSync(callLog, "utf8").trim().split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

/** install.sh --root <root> <args>, with the fake commands first on PATH. */
export function install(staging: Staging, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync("bash", [SCRIPT, "--root", staging.root, ...args], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(staging.dir, "bin")}:${process.env.PATH ?? ""}`, NACRE_ENROLL_TOKEN: "", ...env },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The permission bits of a path inside the root, as "0600". */
export function modeOf(staging: Staging, path: string): string {
  return `0${(statSync(staging.at(path)).mode & 0o7777).toString(8)}`;
}

export function read(staging: Staging, path: string): string {
  return readFileSync(staging.at(path), "utf8");
}

/** Whether a command exists on this machine's PATH. */
export function have(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).status === 0;
}

function writeScript(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
}

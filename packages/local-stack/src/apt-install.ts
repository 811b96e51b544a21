// Installs a missing server from Debian's archive, the only package source this machine can
// reach. Never interactive, in CI or not: stdin is closed, apt-get runs with -y under
// DEBIAN_FRONTEND=noninteractive, keeps existing config files, and sudo (for a non-root user) runs
// with -n, so a missing password fails at once instead of waiting for one.
import { findExecutable, runCommand } from "./run-command.ts";
import type { LogLine } from "./log-line.ts";

/** Waits this long for another apt/dpkg run (a colleague's, unattended-upgrades) to finish. */
const LOCK_TIMEOUT_SECONDS = 300;

// apt-get update once per process: a dev stack that installs Postgres and Redis refreshes the
// package lists once. A failed update is retried by the next install.
let updated: Promise<void> | null = null;

/** Installs Debian packages, printing one line that says what and why. */
export async function aptInstall(packages: string[], reason: string, log: LogLine): Promise<void> {
  const list = packages.join(" ");
  log(`installing ${list} with apt-get: ${reason}`);
  if (!(await findExecutable("apt-get"))) {
    throw new Error(
      `E_APT_MISSING: ${list} is needed (${reason}) but apt-get is not available; ` +
        `install the equivalent with this system's package manager and run again`,
    );
  }
  const prefix = await privilegePrefix(list);
  updated ??= apt(prefix, ["update"], list).catch((err: unknown) => {
    updated = null;
    throw err;
  });
  await updated;
  await apt(
    prefix,
    [
      "install", "-y", "--no-install-recommends",
      "-o", `DPkg::Lock::Timeout=${LOCK_TIMEOUT_SECONDS}`,
      "-o", "Dpkg::Options::=--force-confdef",
      "-o", "Dpkg::Options::=--force-confold",
      ...packages,
    ],
    list,
  );
}

/** Nothing as root; `sudo -n` otherwise; an error with the command to run when neither works. */
async function privilegePrefix(list: string): Promise<string[]> {
  if (process.getuid?.() === 0) return [];
  if (await findExecutable("sudo")) return ["sudo", "-n"];
  throw new Error(`E_APT_ROOT: installing ${list} needs root; run \`apt-get install -y ${list}\` as root, then run again`);
}

async function apt(prefix: string[], args: string[], list: string): Promise<void> {
  const command = [...prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
  const result = await runCommand(command[0]!, command.slice(1));
  if (result.code === 0) return;
  const tail = result.output.split("\n").slice(-15).join("\n");
  throw new Error(
    `E_APT: \`${command.join(" ")}\` failed (exit ${result.code ?? result.signal}); ` +
      `run \`apt-get install -y ${list}\` as root yourself, then run again. Its output ended with:\n${tail}`,
  );
}

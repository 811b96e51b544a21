// One gateway replica as its own process: the real entry (src/main.ts) configured by environment, the
// way it is deployed. It runs in its own process group, with the parent-death signal set (setpriv), so
// neither a failed bench nor a killed one leaves it running. Its memory is read from /proc, the way an
// operator would.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
/** What the gateway asks for: 20,000 sockets plus its own descriptors need more than 20,000. */
const WANTED_OPEN_FILES = 65_536;

/**
 * Descriptors a gateway needs besides its agents' sockets (stdio, epoll, its Postgres pool and Redis
 * connections, the listener, a health check). A gateway with no descriptor left cannot answer /healthz
 * nor open a database connection, so the bench never dials it past its limit less this.
 */
export const GATEWAY_OWN_FILES = 100;

export interface ProcessMemory {
  /** Peak resident set (VmHWM), MiB. */
  peakMiB: number;
  /** Resident set now (VmRSS), MiB. */
  currentMiB: number;
}

export interface GatewayProcess {
  gatewayId: string;
  pid: number;
  url: string;
  healthUrl: string;
  /** The open-files limit the process actually runs with. */
  openFilesLimit: number;
  /** How many lines the gateway logged at level error so far, and the first few of them. */
  errors: () => { count: number; first: string[] };
  /** Why the process ended, if it has (a crash shows here). */
  exited: () => string | undefined;
  memory(): ProcessMemory;
  /** CPU time used so far (user + system), seconds. */
  cpuSeconds(): number;
  /** Authenticated agents, as the gateway's own /healthz counts them. */
  agents(): Promise<number>;
  /** SIGTERM (it drains and exits), SIGKILL to the group if that takes more than `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Immediate SIGKILL to the whole group (cleanup after a failure). */
  kill(): void;
}

export interface GatewayProcessOptions {
  gatewayId: string;
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags: string[];
  /** Another entry than src/main.ts (a patched copy, to measure a change before making it). */
  main?: string;
  logFile: string;
}

let canRaise: boolean | undefined;

/** Whether this machine lets us raise a child's open-files limit (it needs CAP_SYS_RESOURCE). */
export function canRaiseOpenFiles(): boolean {
  canRaise ??= spawnSync("prlimit", [`--nofile=${WANTED_OPEN_FILES}:${WANTED_OPEN_FILES}`, "--", "true"], { stdio: "ignore" }).status === 0;
  return canRaise;
}

/** Starts a replica on a free port and resolves once it prints its ready line. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const node = [process.execPath, ...options.nodeFlags, options.main ?? MAIN];
  const limit = canRaiseOpenFiles() ? ["prlimit", `--nofile=${WANTED_OPEN_FILES}:${WANTED_OPEN_FILES}`, "--"] : [];
  const [command, ...args] = [...limit, "setpriv", "--pdeathsig", "TERM", "--", ...node] as [string, ...string[]];
  const child = spawn(command, args, {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/root", ...options.env, NACRE_GATEWAY_ID: options.gatewayId, NACRE_GATEWAY_PORT: "0" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(options.logFile, { flags: "a" });
  const errors = { count: 0, first: [] as string[] };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    log.write(`${line}\n`);
    if (!line.includes('"level":"error"') && !line.startsWith("E_")) return;
    errors.count++;
    if (errors.first.length < 3) errors.first.push(line.slice(0, 500));
  });
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${signal ?? code}`));
  const ready = await waitForReady(child, options.logFile);
  const pid = child.pid as number;
  const port = ready.port;
  return {
    gatewayId: options.gatewayId,
    pid,
    url: `ws://127.0.0.1:${port}/agent`,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
    openFilesLimit: readOpenFilesLimit(pid),
    errors: () => errors,
    exited: () => exited,
    memory: () => readMemory(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    async agents() {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return ((await res.json()) as { agents: number }).agents;
    },
    async stop(graceMs = 15_000) {
      if (exited !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => killGroup(pid), graceMs);
      await gone;
      clearTimeout(timer);
      log.end();
    },
    kill: () => killGroup(pid),
  };
}

function waitForReady(child: ChildProcess, logFile: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start within 30 s; see ${logFile}`)), 30_000);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (${signal ?? code}) before it was ready; see ${logFile}`));
    };
    child.once("exit", onExit);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; port?: number };
        if (parsed.ready && parsed.port) {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve({ port: parsed.port });
        }
      } catch {
        // not the ready line
      }
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function readMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { peakMiB: kib("VmHWM") / 1024, currentMiB: kib("VmRSS") / 1024 };
}

/** utime + stime from /proc/<pid>/stat, in USER_HZ ticks (100 per second on Linux). */
function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function readOpenFilesLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? NaN);
}

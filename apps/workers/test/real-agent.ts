// The real one-file agent bundle on this machine, for one test VM: a small /data, enrolled with a
// one-time token against the test's gateway, and a daemon the test starts and stops (a stopped
// daemon is an "offline agent" for the control plane).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createEnrollmentToken, withServiceSession } from "@nacre/db";
import { locateAgent } from "@nacre/fleet";
import { afterAll, expect } from "vitest";
import type { NightlyStack } from "./fixtures.ts";

export const AGENT_BUNDLE = resolve(import.meta.dirname, "../../agent/dist/nacre-agent.mjs");
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

export interface RealAgentOptions {
  /** Writes the VM's /data before enrollment; a small default tree otherwise. */
  seed?: (dataDir: string) => void;
  /** The agent config's `app` section (pause, resume, status, health commands). */
  app?: Record<string, string[]>;
}

export interface RealAgent {
  dataDir: string;
  stateDir: string;
  configFile: string;
  /** Starts the daemon and resolves once the gateway has registered it. */
  start(): Promise<void>;
  /** SIGTERM, and waits for the daemon to exit. */
  stop(): Promise<void>;
  output(): string;
}

/** Makes the VM's files and enrolls the agent (the daemon is not started). */
export async function enrollRealAgent(stack: NightlyStack, vmId: string, options: RealAgentOptions = {}): Promise<RealAgent> {
  const dir = join(stack.work, vmId);
  const dataDir = join(dir, "data");
  const stateDir = join(dir, "state");
  mkdirSync(dataDir, { recursive: true });
  if (options.seed) options.seed(dataDir);
  else {
    mkdirSync(join(dataDir, "workspace"), { recursive: true });
    mkdirSync(join(dataDir, "state"), { recursive: true });
    writeFileSync(join(dataDir, "workspace", "MEMORY.md"), `# What I remember about ${vmId}\n`);
    writeFileSync(join(dataDir, "state", "blob.bin"), randomBytes(64 * 1024));
  }
  const configFile = join(dir, "agent.json");
  writeFileSync(configFile, JSON.stringify({ gatewayUrl: stack.gateway.url, stateDir, dataDir, ...(options.app ? { app: options.app } : {}) }), { mode: 0o600 });

  const token = await withServiceSession(stack.sql, (tx) => createEnrollmentToken(tx, vmId, 600, new Date()));
  // `--token=…` in one argument: a base64url token may begin with "-", which would read as an option.
  let output = "";
  const enroll = spawn(process.execPath, [AGENT_BUNDLE, "enroll", `--token=${token}`, "--agent-config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  enroll.stdout.on("data", (d: Buffer) => (output += d.toString()));
  enroll.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((done) => enroll.once("exit", done));
  expect(code, output).toBe(0);

  let daemon: ChildProcess | undefined;
  return {
    dataDir,
    stateDir,
    configFile,
    async start() {
      daemon = spawn(process.execPath, [AGENT_BUNDLE, "run", "--agent-config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
      running.add(daemon);
      daemon.stdout?.on("data", (d: Buffer) => (output += d.toString()));
      daemon.stderr?.on("data", (d: Buffer) => (output += d.toString()));
      await expect.poll(() => locateAgent(stack.redis, vmId), { timeout: 20_000, interval: 50 }).toBeDefined();
    },
    async stop() {
      const child = daemon;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
      running.delete(child);
    },
    output: () => output,
  };
}

// Managed-mode helpers: an agent config in a temp dir, enrollment against a test gateway, and the daemon
// (`nacre-agent run`) as a child process whose JSON log lines the test can wait for.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE, runAgent } from "./cli-harness.ts";
import type { AgentRun } from "./cli-harness.ts";
import type { TestGateway } from "./test-gateway.ts";

export interface ManagedInstall {
  root: string;
  configPath: string;
  stateDir: string;
  dataDir: string;
  identityFile: string;
  env: Record<string, string>;
}

/** A temp dir with data/, state/ and agent.json (the given fields over gatewayUrl, stateDir and dataDir). */
export function makeManagedInstall(
  gateway: TestGateway | { url: string },
  fields: Record<string, unknown> | ((root: string) => Record<string, unknown>) = {},
): ManagedInstall {
  const root = mkdtempSync(join(tmpdir(), "nacre-managed-"));
  const dataDir = join(root, "data");
  mkdirSync(join(dataDir, "memory"), { recursive: true });
  writeFileSync(join(dataDir, "MEMORY.md"), "# what the assistant remembers\n");
  writeFileSync(join(dataDir, "memory", "2026-11-21.md"), "talked about backups\n");
  const stateDir = join(root, "state");
  const configPath = join(root, "agent.json");
  writeFileSync(configPath, JSON.stringify({ gatewayUrl: gateway.url, stateDir, dataDir, ...(typeof fields === "function" ? fields(root) : fields) }, null, 2));
  return { root, configPath, stateDir, dataDir, identityFile: join(stateDir, "identity.json"), env: { HOME: root } };
}

/** `nacre-agent enroll --token … --agent-config …` */
export function enroll(install: ManagedInstall, extra: string[] = [], token = "enroll-token-0123456789"): Promise<AgentRun> {
  return runAgent(["enroll", "--token", token, "--agent-config", install.configPath, ...extra], install.env, { timeoutMs: 30_000 });
}

/** The daemon as a child process; `events` fills with its JSON log lines. */
export class Daemon {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(install: ManagedInstall, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BUNDLE, "run", "--agent-config", install.configPath], {
      env: { PATH: process.env.PATH ?? "", ...install.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
      const lines = this.stderr.split("\n");
      this.stderr = lines.pop()!;
      for (const line of lines) {
        try {
          this.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.events.push({ raw: line });
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  /** The first log line matching `match`, waiting up to `timeoutMs`. */
  async waitForEvent(match: (e: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms:\n${this.events.map((e) => JSON.stringify(e)).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

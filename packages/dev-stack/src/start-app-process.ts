// One of the product's apps as the stack runs it: its real process entry in a child process,
// configured by environment as in production, its JSON log lines appended to a file under the stack's
// directory. Resolves with the ready line the app prints on stdout once it serves.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface AppProcessOptions {
  name: string;
  main: string;
  nodeFlags?: string[];
  env: Record<string, string>;
  logFile: string;
  /** Working directory of the child (Next.js resolves its build from here). */
  cwd?: string;
}

export interface AppProcess<Ready> {
  ready: Ready;
  stop(): Promise<void>;
}

/** Starts the app and waits for its `{"ready": true, …}` line. */
export async function startAppProcess<Ready extends { ready: true }>(options: AppProcessOptions): Promise<AppProcess<Ready>> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.main], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.on("exit", killOnExit);
  child.stderr.pipe(createWriteStream(options.logFile, { flags: "a" }));

  const ready = await new Promise<Ready>((resolveReady, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as Ready;
        if (parsed.ready) resolveReady(parsed);
      } catch {
        // not the ready line
      }
    });
    child.once("exit", (code) => reject(new Error(`${options.name} exited with ${code} before it was ready; see ${options.logFile}`)));
  });
  return {
    ready,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

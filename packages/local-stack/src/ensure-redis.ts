// Redis for tests and the dev stack: the server already answering PING on 127.0.0.1:6379 when
// there is one, else a redis-server of our own (installed from Debian if needed) as a child
// process: bound to 127.0.0.1, nothing persisted (--save "" --appendonly no: a dev cache that
// survives restarts only hides bugs), and killed on stop() and when this process exits.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { aptInstall } from "./apt-install.ts";
import { findFreePort } from "./find-free-port.ts";
import { logToStderr } from "./log-line.ts";
import type { LogLine } from "./log-line.ts";
import { probeRedis } from "./probe-redis.ts";
import { findExecutable } from "./run-command.ts";
import { stopChild } from "./stop-child.ts";

export interface EnsureRedisOptions {
  /** The port to look at first, and to start our own server on when nothing listens there; 6379. */
  port?: number;
  /** Install redis-server from Debian when missing (the default); false fails with the command instead. */
  install?: boolean;
  log?: LogLine;
  /** How long our server may take to answer PING; 15 s. */
  startTimeoutMs?: number;
}

export interface LocalRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** True only when this call started the server; stop() is a no-op otherwise. */
  startedByUs: boolean;
  stop(): Promise<void>;
}

/** Finds Redis answering on 127.0.0.1 or starts one; see the file header for the rules. */
export async function ensureRedis(options: EnsureRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? 6379;
  const log = options.log ?? logToStderr;
  let probe = await probeRedis(port);
  if (probe.state === "ready") return found(port);

  let binary = await findExecutable("redis-server");
  if (!binary) {
    const why = `nothing answers PING on 127.0.0.1:${port} (${probe.detail}) and redis-server is not installed`;
    if (options.install === false) {
      throw new Error(`E_REDIS_MISSING: ${why}; run \`apt-get install -y redis-server\` as root, or start Redis on port ${port}`);
    }
    await aptInstall(["redis-server"], why, log);
    // Debian's package starts its own service on 6379 when it can; if it answers, use it.
    probe = await probeRedis(port);
    if (probe.state === "ready") return found(port);
    binary = await findExecutable("redis-server");
    if (!binary) throw new Error("E_REDIS_MISSING: redis-server is still not found after installing it");
  }

  const ourPort = probe.state === "closed" ? port : await findFreePort();
  const why = probe.state === "closed" ? "nothing listens there" : `127.0.0.1:${port} is not usable: ${probe.detail}`;
  log(`starting redis-server on 127.0.0.1:${ourPort} (${why})`);
  const args = ["--bind", "127.0.0.1", "--port", String(ourPort), "--save", "", "--appendonly", "no", "--daemonize", "no"];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.on("exit", killOnExit);
  try {
    await waitUntilReady(child, ourPort, options.startTimeoutMs ?? 15_000);
  } catch (err) {
    process.off("exit", killOnExit);
    await stopChild(child, "SIGKILL");
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${ourPort}`,
    port: ourPort,
    startedByUs: true,
    async stop() {
      process.off("exit", killOnExit);
      await stopChild(child, "SIGTERM");
    },
  };
}

/** Polls PING; keeps redis-server's output meanwhile, to explain a failed start. */
async function waitUntilReady(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-2_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exit: string | null = null;
  child.once("exit", (code, signal) => {
    exit = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  child.once("error", (err) => {
    exit = `could not be started (${err.message})`;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== null) throw new Error(`E_REDIS_START: redis-server ${exit}. It said:\n${output.trim()}`);
    const probe = await probeRedis(port, 1_000);
    if (probe.state === "ready") break;
    if (Date.now() > deadline) {
      throw new Error(`E_REDIS_START: redis-server did not answer PING on port ${port} within ${timeoutMs} ms (${probe.detail}). It said:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // From here on its log is drained and dropped, and neither the process nor its pipes may keep
  // this process alive: the exit handler and stop() are what end it.
  child.stdout?.off("data", keep).resume();
  child.stderr?.off("data", keep).resume();
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
}

function found(port: number): LocalRedis {
  return { url: `redis://127.0.0.1:${port}`, port, startedByUs: false, stop: async () => {} };
}

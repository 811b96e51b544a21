// A real S3-compatible server (patched @20minutes/s3rver) in a child process on 127.0.0.1, for
// tests and the dev stack. A child process because the server needs --openssl-legacy-provider
// for paginated listings, a flag that must not leak into the test runner itself.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY } from "./s3-defaults.ts";
import type { S3ServerReadyLine } from "./s3-defaults.ts";
import { stopChild } from "./stop-child.ts";

export interface S3ServerOptions {
  /** Data directory; a fresh temporary one (removed on stop) when omitted. */
  dir?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  buckets: string[];
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Log every request s3rver handles (to the inherited stdout). */
  verbose?: boolean;
}

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** Upload ids of multipart uploads neither completed nor aborted (s3rver has no ListMultipartUploads). */
  unfinishedUploads(bucket: string): Promise<string[]>;
  stop(): Promise<void>;
}

const MAIN_SCRIPT = fileURLToPath(new URL("./s3-server-main.ts", import.meta.url));
const START_TIMEOUT_MS = 15_000;

/** Starts the local S3 server in a child process and resolves once it answers HTTP requests. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "nacre-s3-")));
  const accessKeyId = options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID;
  const secretAccessKey = options.secretAccessKey ?? DEFAULT_SECRET_ACCESS_KEY;
  const args = ["--openssl-legacy-provider", MAIN_SCRIPT, "--port", String(options.port ?? 0), "--dir", dir];
  for (const bucket of options.buckets) args.push("--bucket", bucket);
  args.push("--access-key-id", accessKeyId, "--secret-access-key", secretAccessKey);
  if (options.verbose) args.push("--verbose");

  // The ready line comes over IPC; the channel also lets the child notice when this process dies
  // (see s3-server-main.ts). stderr is inherited so that a crash explains itself.
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", options.verbose ? "inherit" : "ignore", "inherit", "ipc"],
  });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.on("exit", killOnExit);

  let ready: S3ServerReadyLine;
  try {
    ready = await waitForReady(child);
    await waitUntilAnswering(ready.endpoint);
  } catch (err) {
    child.kill("SIGKILL");
    process.off("exit", killOnExit);
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // A server someone forgot to stop must not keep the test runner alive.
  child.unref();
  child.channel?.unref();

  return {
    endpoint: ready.endpoint,
    region: ready.region,
    accessKeyId,
    secretAccessKey,
    dir,
    unfinishedUploads: (bucket) => listUploadDirs(dir, bucket),
    async stop() {
      process.off("exit", killOnExit);
      await stopChild(child);
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for the child's ready message; rejects if it exits or stays silent too long. */
function waitForReady(child: ChildProcess): Promise<S3ServerReadyLine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`E_S3_SERVER: the local S3 server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve(message as S3ServerReadyLine);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`E_S3_SERVER: the local S3 server exited with code ${code} before it was ready (see its stderr)`));
    });
  });
}

/** Polls the service endpoint (an unsigned GET / lists buckets) until it answers. */
async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`E_S3_SERVER: ${endpoint} does not answer`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lists s3rver's on-disk upload directories of a bucket (it keeps them under "._S3rver_uploads"). */
async function listUploadDirs(dir: string, bucket: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, bucket, "._S3rver_uploads"))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

// The gateway as the stack runs it: its real process entry (apps/gateway/src/main.ts) in a child
// process, configured by environment like in production, with a grant-signing key kept in the stack's
// directory (made once, mode 0600). Resolves when the gateway prints its ready line.
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

const GATEWAY_MAIN = resolve(import.meta.dirname, "../../../apps/gateway/src/main.ts");

export interface GatewayProcessOptions {
  dir: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; buckets: Record<"SG" | "US" | "EU", string> };
}

export interface GatewayProcess {
  url: string;
  port: number;
  grantKeyFile: string;
  stop(): Promise<void>;
}

/** Starts the gateway and waits until it listens. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const grantKeyFile = join(options.dir, "control-plane", "grant-signing-key.pem");
  if (!existsSync(grantKeyFile)) {
    await mkdir(dirname(grantKeyFile), { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    await writeFile(grantKeyFile, pem, { mode: 0o600, flag: "wx" });
  }
  // As in production (docs/agent-link.md): a small young generation keeps a connect storm's garbage from inflating RSS.
  const child = spawn(process.execPath, ["--max-semi-space-size=16", GATEWAY_MAIN], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NACRE_GATEWAY_ID: "local-1",
      NACRE_GATEWAY_PORT: String(options.port),
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      S3_ENDPOINT: options.s3.endpoint,
      S3_REGION: options.s3.region,
      S3_ACCESS_KEY_ID: options.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: options.s3.secretAccessKey,
      NACRE_BUCKET_SG: options.s3.buckets.SG,
      NACRE_BUCKET_US: options.s3.buckets.US,
      NACRE_BUCKET_EU: options.s3.buckets.EU,
      NACRE_GRANT_SIGNING_KEY_FILE: grantKeyFile,
    },
  });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.on("exit", killOnExit);
  // The gateway logs JSON lines on stderr; keep them in a file a person can read.
  const logFile = join(options.dir, "gateway.log");
  child.stderr.pipe(createWriteStream(logFile, { flags: "a" }));

  const ready = await new Promise<{ url: string; port: number }>((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; url: string; port: number };
        if (parsed.ready) resolveReady(parsed);
      } catch {
        // not the ready line
      }
    });
    child.once("exit", (code) => reject(new Error(`the gateway exited with ${code} before it was ready; see ${logFile}`)));
  });
  return {
    ...ready,
    grantKeyFile,
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

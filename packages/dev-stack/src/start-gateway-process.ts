// The gateway as the stack runs it (apps/gateway/src/main.ts), with a grant-signing key kept in the
// stack's directory (made once, mode 0600) and shared with the workers, which sign grants too.
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { startAppProcess } from "./start-app-process.ts";

const GATEWAY_MAIN = resolve(import.meta.dirname, "../../../apps/gateway/src/main.ts");

/** What both the gateway and the workers need to reach Postgres, Redis and the buckets. */
export interface ControlPlaneEnvInput {
  databaseUrl: string;
  redisUrl: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; buckets: Record<"SG" | "US" | "EU", string> };
  grantKeyFile: string;
}

/** The environment variables the control-plane apps read (see their config.ts). */
export function controlPlaneEnv(input: ControlPlaneEnvInput): Record<string, string> {
  return {
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: input.redisUrl,
    S3_ENDPOINT: input.s3.endpoint,
    S3_REGION: input.s3.region,
    S3_ACCESS_KEY_ID: input.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: input.s3.secretAccessKey,
    NACRE_BUCKET_SG: input.s3.buckets.SG,
    NACRE_BUCKET_US: input.s3.buckets.US,
    NACRE_BUCKET_EU: input.s3.buckets.EU,
    NACRE_GRANT_SIGNING_KEY_FILE: input.grantKeyFile,
  };
}

/** The control plane's Ed25519 grant key for the local stack, made on first use. */
export async function ensureGrantKey(dir: string): Promise<string> {
  const file = join(dir, "control-plane", "grant-signing-key.pem");
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    await writeFile(file, pem, { mode: 0o600, flag: "wx" });
  }
  return file;
}

export interface GatewayProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the gateway and waits until it listens. */
export async function startGatewayProcess(dir: string, port: number, env: Record<string, string>): Promise<GatewayProcess> {
  const app = await startAppProcess<{ ready: true; url: string; port: number }>({
    name: "the gateway",
    main: GATEWAY_MAIN,
    // As in production (docs/agent-link.md): a small young generation keeps a connect storm's garbage from inflating RSS.
    nodeFlags: ["--max-semi-space-size=16"],
    env: { ...env, NACRE_GATEWAY_ID: "local-1", NACRE_GATEWAY_PORT: String(port) },
    logFile: join(dir, "gateway.log"),
  });
  return { url: app.ready.url, port: app.ready.port, stop: app.stop };
}

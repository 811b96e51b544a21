// The whole product on local defaults, as the README's first command starts it: PostgreSQL and Redis
// (the running ones when reachable, else installed and started on loopback), the S3-compatible server
// with one bucket per region, the email recorder, the database migrated and seeded. Each part knows
// whether this process started it, so stopping stops exactly those and nothing else.
import { join } from "node:path";
import { setupLocalDatabase } from "@nacre/db/migrate";
import { ensurePostgres, ensureRedis, startEmailRecorder, startS3Server } from "@nacre/local-stack";
import { controlPlaneEnv, ensureGrantKey, startGatewayProcess } from "./start-gateway-process.ts";
import { startDashboardProcess } from "./start-dashboard-process.ts";
import { startWorkersProcess } from "./start-workers-process.ts";

/** The bucket of each region on the local S3 server (R2 has one bucket per region in production). */
export const LOCAL_REGION_BUCKETS = { SG: "nacre-sg", US: "nacre-us", EU: "nacre-eu" } as const;

export interface StackOptions {
  /** Where the stack keeps its files (S3 objects, emails, the Vault root key). */
  dir: string;
  /** Fixed ports make the printed addresses stable between runs; 0 picks free ones. */
  s3Port: number;
  emailPort: number;
  gatewayPort: number;
  opsPort: number;
  dashboardPort: number;
  databaseName: string;
  /** Called as each part comes up, so a person sees progress on a slow first start. */
  onProgress?: (message: string) => void;
}

export interface StackService {
  name: string;
  where: string;
  startedByUs: boolean;
  note?: string;
}

export interface Stack {
  services: StackService[];
  databaseUrl: string;
  redisUrl: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; buckets: Record<string, string> };
  email: { baseUrl: string; apiKey: string };
  gateway: { url: string; grantKeyFile: string };
  dashboard: { url: string };
  /** Stops what this stack started, in reverse order; never a server it found running. */
  stop(): Promise<void>;
}

/** Brings the local stack up; on failure, stops whatever it had started before rethrowing. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.onProgress ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
    stops.length = 0;
  };
  try {
    say("PostgreSQL");
    const postgres = await ensurePostgres({ dataDir: join(options.dir, "postgres") });
    stops.push(() => postgres.stop());
    say("Redis");
    const redis = await ensureRedis();
    stops.push(() => redis.stop());

    say(`database ${options.databaseName}: stand-ins, migrations, seed`);
    const databaseUrl = withDatabase(postgres.url, options.databaseName);
    const applied = await setupLocalDatabase({
      url: databaseUrl,
      vaultRootKeyFile: join(options.dir, "vault", "root.key"),
      seed: true,
    });

    say("S3-compatible server");
    const buckets = Object.values(LOCAL_REGION_BUCKETS);
    const s3 = await startS3Server({ dir: join(options.dir, "s3"), port: options.s3Port, buckets });
    stops.push(() => s3.stop());

    say("email recorder");
    const email = await startEmailRecorder({ dir: join(options.dir, "mail"), port: options.emailPort });
    stops.push(() => email.stop());

    say("gateway (apps/gateway)");
    const s3Info = { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, buckets: { ...LOCAL_REGION_BUCKETS } };
    const grantKeyFile = await ensureGrantKey(options.dir);
    const env = controlPlaneEnv({ databaseUrl, redisUrl: redis.url, s3: s3Info, grantKeyFile });
    const gateway = await startGatewayProcess(options.dir, options.gatewayPort, env);
    stops.push(() => gateway.stop());

    say("workers (apps/workers)");
    const workers = await startWorkersProcess(options.dir, options.opsPort, env, { baseUrl: email.baseUrl, apiKey: email.apiKey });
    stops.push(() => workers.stop());

    say("dashboard (apps/dashboard)");
    const dashboard = await startDashboardProcess(options.dir, options.dashboardPort, env);
    stops.push(() => dashboard.stop());

    const services: StackService[] = [
      { name: "PostgreSQL", where: redactPassword(databaseUrl), startedByUs: postgres.startedByUs,
        note: applied.length > 0 ? `${applied.length} migrations applied, seeded` : "up to date, seeded" },
      { name: "Redis", where: redis.url, startedByUs: redis.startedByUs },
      { name: "S3 (s3rver)", where: s3.endpoint, startedByUs: true, note: `buckets ${buckets.join(", ")}` },
      { name: "Email recorder", where: email.baseUrl, startedByUs: true, note: "Resend-compatible; open it in a browser" },
      { name: "Gateway", where: gateway.url, startedByUs: true, note: `agents dial it; POST /enroll; log in ${join(options.dir, "gateway.log")}` },
      { name: "Dashboard", where: dashboard.url, startedByUs: true, note: `sign in as a seeded account; log in ${join(options.dir, "dashboard.log")}` },
      { name: "Workers", where: workers.opsUrl ?? "(no ops endpoint)", startedByUs: true, note: `nightly at 03:00 UTC, exports, purges; /metrics, /queues; log in ${join(options.dir, "workers.log")}` },
    ];
    return {
      services,
      databaseUrl,
      redisUrl: redis.url,
      s3: s3Info,
      email: { baseUrl: email.baseUrl, apiKey: email.apiKey },
      gateway: { url: gateway.url, grantKeyFile },
      dashboard: { url: dashboard.url },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

// The gateway's composition root: reads the environment, builds the adapters (Postgres, Redis, the
// bucket signer, the grant-signing key) and starts one replica. SIGINT/SIGTERM drain it: agents are
// asked to reconnect (to another replica behind the same address) before the process exits.
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { connect } from "@nacre/db";
import { buildControlPlane } from "@nacre/fleet";
import { readGatewayConfig } from "./config.ts";
import { startGateway } from "./start-gateway.ts";

const log = (entry: Record<string, unknown>): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

let config;
try {
  config = readGatewayConfig(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const gatewayId = config.NACRE_GATEWAY_ID ?? `${hostname()}-${process.pid}`;
const sql = connect(config.DATABASE_URL, { applicationName: `nacre-gateway:${gatewayId}`, max: 10 });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const subscriber = new Redis(config.REDIS_URL);
const gateway = await startGateway({
  gatewayId,
  host: config.NACRE_GATEWAY_HOST,
  port: config.NACRE_GATEWAY_PORT,
  cp: buildControlPlane(config, sql),
  redis,
  subscriber,
  heartbeatIntervalSeconds: config.NACRE_HEARTBEAT_INTERVAL_SECONDS,
  heartbeatFlushMs: config.NACRE_HEARTBEAT_FLUSH_MS,
  pingIntervalMs: config.NACRE_PING_INTERVAL_MS,
  sweepIntervalMs: config.NACRE_SWEEP_INTERVAL_MS,
  log,
});
// The ready line a supervisor (or a test) waits for.
process.stdout.write(`${JSON.stringify({ ready: true, gatewayId, url: gateway.url, port: gateway.port })}\n`);

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log({ level: "info", message: "draining", signal });
  await gateway.close();
  redis.disconnect();
  subscriber.disconnect();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

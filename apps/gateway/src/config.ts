// The gateway's configuration, from the environment, validated in one place with messages that name
// the variable. Defaults suit the local stack.
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(100);

export const GatewayConfig = z.object({
  NACRE_GATEWAY_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  NACRE_GATEWAY_HOST: z.string().default("127.0.0.1"),
  NACRE_GATEWAY_PORT: port.default(8787),
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default("auto"),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  NACRE_BUCKET_SG: z.string().min(3),
  NACRE_BUCKET_US: z.string().min(3),
  NACRE_BUCKET_EU: z.string().min(3),
  /** PKCS#8 PEM file of the control plane's Ed25519 grant-signing key. */
  NACRE_GRANT_SIGNING_KEY_FILE: z.string().min(1),
  NACRE_HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  NACRE_HEARTBEAT_FLUSH_MS: ms.default(1000),
  // Below the registry's 90 s TTL with room to spare: the liveness sweep is what refreshes it.
  NACRE_PING_INTERVAL_MS: ms.max(60_000).default(30_000),
  NACRE_SWEEP_INTERVAL_MS: ms.default(60_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Parses the environment; throws one error listing every problem by variable name. */
export function readGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = GatewayConfig.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new Error(`E_CONFIG: the gateway's environment is incomplete or wrong:\n${lines.join("\n")}`);
}

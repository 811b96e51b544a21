// The gateway's configuration, from the environment, validated in one place with messages that name
// the variable. Defaults suit the local stack.
import { ControlPlaneEnv, readEnvConfig } from "@nacre/fleet";
import * as z from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(100);

export const GatewayConfig = ControlPlaneEnv.extend({
  NACRE_GATEWAY_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  NACRE_GATEWAY_HOST: z.string().default("127.0.0.1"),
  NACRE_GATEWAY_PORT: port.default(8787),
  NACRE_HEARTBEAT_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  NACRE_HEARTBEAT_FLUSH_MS: ms.default(1000),
  // Below the registry's 90 s TTL with room to spare: the liveness sweep is what refreshes it.
  NACRE_PING_INTERVAL_MS: ms.max(60_000).default(30_000),
  NACRE_SWEEP_INTERVAL_MS: ms.default(60_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Parses the environment; throws one error listing every problem by variable name. */
export function readGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  return readEnvConfig(GatewayConfig, env, "gateway");
}

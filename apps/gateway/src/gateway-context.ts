// What every handler of the gateway may use; built once by startGateway.
import type { Redis } from "ioredis";
import type { ControlPlane } from "@nacre/fleet";
import type { HeartbeatBuffer } from "./heartbeat-buffer.ts";
import type { SessionRegistry } from "./session-registry.ts";

export interface GatewayContext {
  gatewayId: string;
  cp: ControlPlane;
  redis: Redis;
  heartbeats: HeartbeatBuffer;
  sessions: SessionRegistry;
  heartbeatIntervalSeconds: number;
  /** How long a new socket has to authenticate. */
  authTimeoutMs: number;
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
}

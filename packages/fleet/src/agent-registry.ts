// Which gateway replica holds which agent's socket, kept in Redis so any worker can reach any VM.
// An entry expires unless the holding gateway refreshes it (its liveness sweep does, every ping interval,
// at most 60 s), so a replica
// that dies without cleaning up stops attracting commands within one TTL.
import type { Redis } from "ioredis";

export const REGISTRY_TTL_SECONDS = 90;
const key = (vmId: string): string => `nacre:agent:${vmId}`;

// Delete only if the entry is still ours: a reconnect to another replica may already have replaced it.
const RELEASE_IF_OWNED = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Records that `gatewayId` holds the VM's socket (replacing any older holder). */
export async function registerAgent(redis: Redis, vmId: string, gatewayId: string): Promise<void> {
  await redis.set(key(vmId), gatewayId, "EX", REGISTRY_TTL_SECONDS);
}

/** Refreshes many entries at once (a gateway's periodic sweep over its sockets). */
export async function refreshAgents(redis: Redis, vmIds: string[], gatewayId: string): Promise<void> {
  if (vmIds.length === 0) return;
  const pipeline = redis.pipeline();
  for (const vmId of vmIds) pipeline.set(key(vmId), gatewayId, "EX", REGISTRY_TTL_SECONDS);
  await pipeline.exec();
}

/** Removes the entry if `gatewayId` still holds it. */
export async function unregisterAgent(redis: Redis, vmId: string, gatewayId: string): Promise<void> {
  await redis.eval(RELEASE_IF_OWNED, 1, key(vmId), gatewayId);
}

/** The gateway replica holding the VM's socket, or undefined when the agent is offline. */
export async function locateAgent(redis: Redis, vmId: string): Promise<string | undefined> {
  return (await redis.get(key(vmId))) ?? undefined;
}

// The sockets this replica holds, by VM, mirrored into the Redis registry so commands find them.
// A VM has at most one live session: a newer authenticated connection replaces the older one (the
// agent reconnected, perhaps through another replica), which is closed with 4000.
import type { Redis } from "ioredis";
import { refreshAgents, registerAgent, unregisterAgent } from "@nacre/fleet";
import type { AgentSession } from "./agent-session.ts";
import { CLOSE_REPLACED } from "./agent-session.ts";

export class SessionRegistry {
  private readonly byVm = new Map<string, AgentSession>();
  readonly all = new Set<AgentSession>();
  private readonly redis: Redis;
  private readonly gatewayId: string;

  constructor(redis: Redis, gatewayId: string) {
    this.redis = redis;
    this.gatewayId = gatewayId;
  }

  add(session: AgentSession): void {
    this.all.add(session);
  }

  get(vmId: string): AgentSession | undefined {
    return this.byVm.get(vmId);
  }

  get authenticatedCount(): number {
    return this.byVm.size;
  }

  /** Makes `session` the VM's session here and in Redis. */
  async claim(session: AgentSession): Promise<void> {
    const vmId = session.vmId as string;
    const previous = this.byVm.get(vmId);
    this.byVm.set(vmId, session);
    if (previous && previous !== session) previous.close(CLOSE_REPLACED, "replaced by a newer connection");
    await registerAgent(this.redis, vmId, this.gatewayId);
  }

  /** Forgets a closed session; the Redis entry goes only if it still names this replica. */
  async release(session: AgentSession): Promise<void> {
    this.all.delete(session);
    const vmId = session.vmId;
    if (vmId === undefined || this.byVm.get(vmId) !== session) return;
    this.byVm.delete(vmId);
    await unregisterAgent(this.redis, vmId, this.gatewayId).catch(() => {});
  }

  /** Re-asserts every entry (they expire unless refreshed). */
  async refresh(): Promise<void> {
    await refreshAgents(this.redis, [...this.byVm.keys()], this.gatewayId);
  }
}

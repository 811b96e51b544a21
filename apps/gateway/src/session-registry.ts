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
  // Liveness work is spread over the ping interval: each session belongs to one slice, and each tick
  // pings one slice. Pinging ten thousand sockets in one loop stalls the event loop for half a second,
  // which is what every command arriving meanwhile would wait (the fleet benchmark measured it).
  private readonly slices: Set<AgentSession>[];
  private readonly sliceOf = new Map<AgentSession, Set<AgentSession>>();
  private nextSlice = 0;
  private assigned = 0;
  private readonly redis: Redis;
  private readonly gatewayId: string;

  constructor(redis: Redis, gatewayId: string, sliceCount = 1) {
    this.redis = redis;
    this.gatewayId = gatewayId;
    this.slices = Array.from({ length: Math.max(1, sliceCount) }, () => new Set<AgentSession>());
  }

  add(session: AgentSession): void {
    this.all.add(session);
    const slice = this.slices[this.assigned++ % this.slices.length] as Set<AgentSession>;
    slice.add(session);
    this.sliceOf.set(session, slice);
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
    this.sliceOf.get(session)?.delete(session);
    this.sliceOf.delete(session);
    const vmId = session.vmId;
    if (vmId === undefined || this.byVm.get(vmId) !== session) return;
    this.byVm.delete(vmId);
    await unregisterAgent(this.redis, vmId, this.gatewayId).catch(() => {});
  }

  /**
   * One tick of the liveness sweep: terminates the next slice's sockets that missed the previous ping,
   * pings the rest, and re-asserts their registry entries (they expire unless refreshed).
   */
  async sweepNextSlice(): Promise<void> {
    const slice = this.slices[this.nextSlice] as Set<AgentSession>;
    this.nextSlice = (this.nextSlice + 1) % this.slices.length;
    const held: string[] = [];
    for (const session of slice) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
      if (session.vmId !== undefined && this.byVm.get(session.vmId) === session) held.push(session.vmId);
    }
    await refreshAgents(this.redis, held, this.gatewayId);
  }
}

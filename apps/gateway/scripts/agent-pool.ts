// The bench's side of the simulated fleet: a few agent processes (sim-agents-worker.ts), each with its
// slice of the VMs. Each runs in its own process group so stopping the pool stops everything it
// started, and each exits by itself if the bench dies (its IPC channel closes).
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import type { ConnectOrder, ConnectResult, FromWorker, SimIdentity, ToWorker, WorkerStats } from "./fleet-ipc.ts";

const WORKER = new URL("./sim-agents-worker.ts", import.meta.url);

class Worker {
  readonly child: ChildProcess;
  private readonly waiting = new Map<FromWorker["type"], { resolve: (message: FromWorker) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  constructor(index: number) {
    this.child = fork(WORKER, [], { detached: true, stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
    this.child.on("message", (message: FromWorker) => {
      if (message.type === "failed") return this.fail(new Error(`agent process ${index}: ${message.message}`));
      const waiter = this.waiting.get(message.type);
      this.waiting.delete(message.type);
      waiter?.resolve(message);
    });
    this.child.on("exit", (code, signal) => this.fail(new Error(`agent process ${index} exited (${signal ?? code})`)));
  }

  /** Sends an order and waits for the answer of type `answer`. */
  ask<T extends FromWorker["type"]>(order: ToWorker, answer: T): Promise<Extract<FromWorker, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(answer, { resolve: resolve as (message: FromWorker) => void, reject });
      this.child.send(order);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiters) w.reject(error);
  }

  stop(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.removeAllListeners("exit");
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export class AgentPool {
  private readonly workers: Worker[];

  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  /** Starts `processes` agent processes and has them make keys for `vmIds` (split evenly). */
  static async start(vmIds: string[], processes: number): Promise<{ pool: AgentPool; identities: SimIdentity[] }> {
    const workers = Array.from({ length: processes }, (_, i) => new Worker(i));
    const pool = new AgentPool(workers);
    try {
      const slices = workers.map((_, w) => vmIds.filter((_, i) => i % processes === w));
      const answers = await Promise.all(workers.map((worker, w) => worker.ask({ type: "keys", vmIds: slices[w] as string[] }, "keys")));
      return { pool, identities: answers.flatMap((a) => a.identities) };
    } catch (error) {
      pool.stop();
      throw error;
    }
  }

  /** The processes dial `order.count` agents between them; rate and in-flight bound are the whole pool's. */
  async connect(order: ConnectOrder): Promise<ConnectResult> {
    const n = this.workers.length;
    const share = (w: number): number => Math.floor(order.count / n) + (w < order.count % n ? 1 : 0);
    const results = await Promise.all(this.workers.map((worker, w) => worker.ask({
      type: "connect", ...order, count: share(w), ratePerSecond: order.ratePerSecond / n, maxInFlight: Math.ceil(order.maxInFlight / n),
    }, "connected")));
    return {
      authenticated: results.reduce((s, r) => s + r.authenticated, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      failures: results.flatMap((r) => r.failures).slice(0, 5),
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
      handshakeMs: results.flatMap((r) => r.handshakeMs),
      vmIds: results.flatMap((r) => r.vmIds),
    };
  }

  async stats(): Promise<WorkerStats> {
    const all = await Promise.all(this.workers.map((w) => w.ask({ type: "stats" }, "stats")));
    return {
      authenticated: all.reduce((s, r) => s + r.authenticated, 0),
      heartbeatsSent: all.reduce((s, r) => s + r.heartbeatsSent, 0),
      commandsAccepted: all.reduce((s, r) => s + r.commandsAccepted, 0),
      droppedAfterAuth: all.reduce((s, r) => s + r.droppedAfterAuth, 0),
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ask({ type: "disconnect" }, "disconnected")));
  }

  /** Kills every agent process (their whole process groups). */
  stop(): void {
    for (const worker of this.workers) worker.stop();
  }
}

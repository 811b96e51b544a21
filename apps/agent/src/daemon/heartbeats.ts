// Heartbeats while authenticated: one at once, then one every heartbeatIntervalSeconds (the gateway says
// how often in auth.ok), and an extra one whenever something the dashboard shows changes (a snapshot
// starts or ends, the app is paused or resumed), so the control plane need not wait for the next tick.
import type { Output } from "../runtime/output.ts";
import { collectHeartbeat } from "./collect-heartbeat.ts";
import type { HeartbeatSources } from "./collect-heartbeat.ts";
import type { GatewayConnection } from "./gateway-connection.ts";

export class Heartbeats {
  private readonly connection: GatewayConnection;
  private readonly sources: HeartbeatSources;
  private readonly out: Output;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private again = false;
  private lastProblem: string | undefined;

  constructor(connection: GatewayConnection, sources: HeartbeatSources, out: Output) {
    this.connection = connection;
    this.sources = sources;
    this.out = out;
  }

  start(intervalSeconds: number): void {
    this.stop();
    this.timer = setInterval(() => this.beat(), intervalSeconds * 1000);
    this.beat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** An extra heartbeat now, when one is running (authenticated). */
  beatNow(): void {
    if (this.timer !== undefined) this.beat();
  }

  private beat(): void {
    // One at a time: a slow status command must not pile heartbeats up; a beat asked for meanwhile runs after.
    if (this.beating !== undefined) {
      this.again = true;
      return;
    }
    this.beating = this.send().finally(() => {
      this.beating = undefined;
      if (this.again && this.timer !== undefined) {
        this.again = false;
        this.beat();
      }
    });
  }

  private async send(): Promise<void> {
    try {
      const { heartbeat, problem } = await collectHeartbeat(this.sources);
      if (problem !== this.lastProblem && problem !== undefined) this.out.warn("W_HEARTBEAT", problem);
      this.lastProblem = problem;
      this.connection.send("heartbeat", heartbeat);
    } catch (error) {
      this.out.warn("W_HEARTBEAT", `could not send a heartbeat: ${(error as Error).message}`);
    }
  }
}

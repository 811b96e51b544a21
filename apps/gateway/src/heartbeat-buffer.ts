// Heartbeats from thousands of agents, written to Postgres in batches: the gateway keeps the latest
// beat per VM and flushes them with one statement every interval. A failed flush keeps the beats for
// the next try (a newer beat for the same VM replaces an older one), so the buffer never grows past
// one entry per connected VM, whatever the database does.
import type { HeartbeatRecord, Sql } from "@nacre/db";
import { recordHeartbeats, withServiceSession } from "@nacre/db";

export class HeartbeatBuffer {
  private pending = new Map<string, HeartbeatRecord>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  readonly sql: Sql;
  readonly intervalMs: number;
  private readonly onError: (error: unknown) => void;
  /** Beats written so far (the fleet benchmark reads it). */
  written = 0;

  constructor(sql: Sql, intervalMs: number, onError: (error: unknown) => void) {
    this.sql = sql;
    this.intervalMs = intervalMs;
    this.onError = onError;
  }

  add(beat: HeartbeatRecord): void {
    const seen = this.pending.get(beat.vmId);
    if (!seen || seen.at <= beat.at) this.pending.set(beat.vmId, beat);
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what is pending; concurrent calls share one flush. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = (async () => {
      try {
        this.written += await withServiceSession(this.sql, (tx) => recordHeartbeats(tx, batch));
      } catch (error) {
        for (const beat of batch) this.add(beat);
        this.onError(error);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

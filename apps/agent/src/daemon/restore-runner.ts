// Runs restore.start commands, one at a time and never beside a snapshot. Commands are at-least-once,
// so the restore id decides: a finished restore gets its stored report again, the running one is left
// alone, and a new one while the agent is busy is refused (E_BUSY, nothing changed). Every run ends in
// exactly one report, stored before it is sent and queued while the gateway is unreachable. On start
// the runner finishes what a crash left: a swap journal is rolled back (and reported), leftover staging
// dirs are removed, and kept pre-restore contents past their grace period are deleted (also hourly).
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RestoreStart } from "@nacre/protocol";
import type { ResolvedAgentConfig } from "../config/index.ts";
import type { AgentIdentity } from "../identity/identity-file.ts";
import type { Output } from "../runtime/output.ts";
import type { AppControl } from "./app-control.ts";
import type { GatewayConnection } from "./gateway-connection.ts";
import { performRestore } from "./perform-restore.ts";
import type { RestoreLedger, RestoreReport } from "./restore-ledger.ts";
import { readJournal, rollBackSwap, STAGING_PREFIX } from "./swap-data-contents.ts";

const CLEANUP_EVERY_MS = 60 * 60_000;

export interface RestoreRunnerDeps {
  connection: GatewayConnection;
  ledger: RestoreLedger;
  identity: AgentIdentity;
  config: ResolvedAgentConfig;
  app: AppControl;
  agentVersion: string;
  out: Output;
  now: () => Date;
  /** The snapshot being written, if any: a restore never runs beside one. */
  busySnapshotId: () => string | null;
  onBusyChange: () => void;
  /** Runs once the restored data is in place, right before the app is resumed (the wait-ready gate). */
  beforeResume?: (restoreId: string) => Promise<void>;
}

export class RestoreRunner {
  private readonly deps: RestoreRunnerDeps;
  private running: { restoreId: string; abort: AbortController; done: Promise<void> } | undefined;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(deps: RestoreRunnerDeps) {
    this.deps = deps;
  }

  /** The restore under way, if any (the snapshot runner refuses to start beside it). */
  get busyRestoreId(): string | null {
    return this.running?.restoreId ?? null;
  }

  /** Rolls back a swap a crash interrupted, removes leftovers and expired kept contents; then hourly. */
  async recover(): Promise<void> {
    const { config, out } = this.deps;
    const journal = await readJournal(config.stateDir);
    if (journal !== undefined) {
      out.warn("W_RESTORE_INTERRUPTED", `restore ${journal.restoreId} was interrupted during or after its swap; putting the previous data back`, { restoreId: journal.restoreId, phase: journal.phase });
      let report: RestoreReport;
      try {
        await rollBackSwap(config.stateDir, journal);
        report = { type: "restore.failed", payload: { restoreId: journal.restoreId, code: "E_INTERRUPTED", message: "the agent stopped before the restore was confirmed healthy; the previous data was put back", rolledBack: true } };
      } catch (error) {
        report = { type: "restore.failed", payload: { restoreId: journal.restoreId, code: "E_ROLLBACK_FAILED", message: `the restore was interrupted and rolling it back failed: ${(error as Error).message}`.slice(0, 2000), rolledBack: false } };
      }
      await this.finish(report);
    }
    await this.cleanUp();
    this.timer = setInterval(() => void this.cleanUp(), CLEANUP_EVERY_MS);
    this.timer.unref();
  }

  /** Acts on one receipt of restore.start (the caller has already sent command.accepted). */
  start(command: RestoreStart): void {
    const { connection, ledger, out } = this.deps;
    const { restoreId } = command;
    const stored = ledger.report(restoreId);
    if (stored !== undefined) {
      out.info(`restore ${restoreId} already finished; sending its report again`, { restoreId, report: stored.type });
      connection.sendReport(stored.type, stored.payload);
      return;
    }
    if (this.running?.restoreId === restoreId) return;
    const snapshotId = this.deps.busySnapshotId();
    if (this.running !== undefined || snapshotId !== null || this.stopping) {
      const why = this.stopping ? "the agent is stopping" : this.running ? `restore ${this.running.restoreId} is running` : `snapshot ${snapshotId} is being written`;
      connection.sendReport("restore.failed", { restoreId, code: "E_BUSY", message: `${why}; nothing was changed — try again later`, rolledBack: true });
      return;
    }
    const abort = new AbortController();
    const running = { restoreId, abort, done: Promise.resolve() };
    running.done = this.run(command, abort.signal)
      .catch((error: unknown) => out.error("E_INTERNAL", `restore ${restoreId}: ${(error as Error).stack ?? String(error)}`))
      .finally(() => {
        this.running = undefined;
        this.deps.onBusyChange();
      });
    this.running = running;
    this.deps.onBusyChange();
  }

  /** Stops a running restore (it rolls back or aborts cleanly) and waits for its report. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const running = this.running;
    if (running === undefined) return;
    running.abort.abort(new Error("the agent is stopping"));
    await running.done;
  }

  private async run(command: RestoreStart, signal: AbortSignal): Promise<void> {
    const { out, connection, restoreId } = { ...this.deps, restoreId: command.restoreId };
    out.info(`restore ${restoreId} of snapshot ${command.snapshotId} started`, { event: "restore.started", restoreId, snapshotId: command.snapshotId, size: command.size });
    const result = await performRestore({
      command, config: this.deps.config, identity: this.deps.identity, app: this.deps.app, ledger: this.deps.ledger,
      agentVersion: this.deps.agentVersion, out, now: this.deps.now, signal,
      ...(this.deps.beforeResume ? { beforeResume: () => this.deps.beforeResume!(restoreId) } : {}),
      progress: (step, message) => {
        out.info(`restore ${restoreId}: ${step}: ${message}`, { event: "restore.progress", restoreId, step });
        connection.send("restore.progress", { restoreId, step, message: message.slice(0, 2000) });
      },
    });
    if (result.ok) {
      out.info(`restore ${restoreId} done`, { event: "restore.done", restoreId });
      await this.finish({ type: "restore.done", payload: { restoreId } });
    } else {
      out.error(result.code, `restore ${restoreId} failed: ${result.message}`, { event: "restore.failed", restoreId, rolledBack: result.rolledBack });
      await this.finish({ type: "restore.failed", payload: { restoreId, code: result.code.slice(0, 64), message: result.message.slice(0, 2000), rolledBack: result.rolledBack } });
    }
    await this.cleanUp();
  }

  private async finish(report: RestoreReport): Promise<void> {
    try {
      await this.deps.ledger.record(report);
    } catch (error) {
      this.deps.out.error("E_STATE_WRITE", `could not store the report of restore ${report.payload.restoreId}: ${(error as Error).message}`);
    }
    this.deps.connection.sendReport(report.type, report.payload);
  }

  /** Removes kept contents past their grace period and staging dirs no restore is using. */
  private async cleanUp(): Promise<void> {
    const { config, ledger, out } = this.deps;
    try {
      for (const path of await ledger.removeExpired(this.deps.now())) out.info(`removed ${path}: its grace period after a restore ended`, { event: "restore.cleanup", path });
      for (const name of await readdir(config.dataDir)) {
        if (name.startsWith(STAGING_PREFIX) && name !== `${STAGING_PREFIX}${this.running?.restoreId ?? ""}`) {
          await rm(join(config.dataDir, name), { recursive: true, force: true });
        }
      }
    } catch (error) {
      out.warn("W_RESTORE_CLEANUP", `cleaning up after restores failed: ${(error as Error).message}`);
    }
  }
}

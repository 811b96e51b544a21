// Runs snapshot.start commands, one at a time. Commands are at-least-once, so the snapshot id decides:
// a finished snapshot gets its stored report again, the running one is left alone, and a new one while
// another runs is refused as E_BUSY (retryable). Every run ends in exactly one report, stored before it is
// sent and queued while the gateway is unreachable; the data key is zeroed when the run ends.
import { openGrant } from "@nacre/core";
import type { OpenedGrant } from "@nacre/core";
import { MAX_PARTS_PER_BATCH } from "@nacre/protocol";
import type { PartUrl, SnapshotStart } from "@nacre/protocol";
import type { ResolvedAgentConfig } from "../config/index.ts";
import type { AgentIdentity } from "../identity/identity-file.ts";
import type { Output } from "../runtime/output.ts";
import { describeSnapshotFailure } from "./describe-snapshot-failure.ts";
import type { GatewayConnection } from "./gateway-connection.ts";
import type { SnapshotLedger, SnapshotReport } from "./snapshot-ledger.ts";
import { writeSnapshot } from "./write-snapshot.ts";

/** Wait for upload.parts this long once asked … */
const PARTS_REPLY_TIMEOUT_MS = 30_000;
/** … and for a connection this long when the gateway is unreachable (URLs already handed out expire meanwhile). */
const PARTS_CONNECT_TIMEOUT_MS = 10 * 60_000;

export interface SnapshotRunnerDeps {
  connection: GatewayConnection;
  ledger: SnapshotLedger;
  identity: AgentIdentity;
  config: ResolvedAgentConfig;
  out: Output;
  now: () => Date;
  /** Called when a snapshot starts or ends (busySnapshotId changed). */
  onBusyChange: () => void;
  /** The restore under way, if any: a snapshot never runs beside one (it would read a half-swapped /data). */
  busyRestoreId?: () => string | null;
}

interface Running {
  snapshotId: string;
  abort: AbortController;
  done: Promise<void>;
}

export class SnapshotRunner {
  private readonly deps: SnapshotRunnerDeps;
  private running: Running | undefined;
  private stopping = false;

  constructor(deps: SnapshotRunnerDeps) {
    this.deps = deps;
  }

  /** The snapshot being written, for the heartbeat. */
  get busySnapshotId(): string | null {
    return this.running?.snapshotId ?? null;
  }

  /** Acts on one receipt of snapshot.start (the caller has already sent command.accepted). */
  start(command: SnapshotStart): void {
    const { connection, ledger, out } = this.deps;
    const { snapshotId } = command;
    const stored = ledger.report(snapshotId);
    if (stored !== undefined) {
      out.info(`snapshot ${snapshotId} already finished; sending its report again`, { snapshotId, report: stored.type });
      connection.sendReport(stored.type, stored.payload);
      return;
    }
    if (this.running?.snapshotId === snapshotId) return;
    const restoreId = this.deps.busyRestoreId?.() ?? null;
    if (this.running !== undefined || this.stopping || restoreId !== null) {
      // Not stored: the refusal is about this moment, and the same snapshot may be asked for again later.
      const message = this.stopping
        ? "the agent is stopping"
        : this.running
          ? `snapshot ${this.running.snapshotId} is still being written`
          : `restore ${restoreId!} is running`;
      connection.sendReport("snapshot.failed", { snapshotId, code: "E_BUSY", message: `${message} — try again later`, retryable: true });
      return;
    }
    const abort = new AbortController();
    const running: Running = { snapshotId, abort, done: Promise.resolve() };
    running.done = this.run(command, abort.signal)
      .catch((error: unknown) => {
        // Only a bug gets here (run() reports every failure of the work itself); it must not end the daemon.
        this.deps.out.error("E_INTERNAL", `snapshot ${snapshotId}: ${(error as Error).stack ?? String(error)}`);
      })
      .finally(() => {
        this.running = undefined;
        this.deps.onBusyChange();
      });
    this.running = running;
    this.deps.onBusyChange();
  }

  /** Aborts a running snapshot and waits until its (failed) report is stored and sent or queued. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.running;
    if (running === undefined) return;
    running.abort.abort(new Error("the agent is stopping"));
    await running.done;
  }

  private async run(command: SnapshotStart, signal: AbortSignal): Promise<void> {
    const { config, identity, out, now } = this.deps;
    const { snapshotId } = command;
    const started = now();
    out.info(`snapshot ${snapshotId} started (${command.kind}, region ${command.region})`, { event: "snapshot.started", snapshotId, kind: command.kind, objectKey: command.objectKey });
    let opened: OpenedGrant | undefined;
    try {
      opened = openGrant(command.grant, {
        publicKey: identity.controlPlaneKey,
        vmId: identity.vmId,
        snapshotId,
        purpose: "snapshot",
        now: now(),
        agentPrivateKey: identity.sealingKey,
      });
      const result = await writeSnapshot({
        command,
        key: { keyId: opened.keyId, dataKey: opened.dataKey, wrappedKey: opened.wrappedKey },
        config,
        requestParts: (fromPart, count) => this.requestParts(snapshotId, fromPart, count, signal),
        sendProgress: (progress) => this.deps.connection.send("snapshot.progress", progress),
        out,
        signal,
      });
      const seconds = ((now().getTime() - started.getTime()) / 1000).toFixed(1);
      out.info(`snapshot ${snapshotId} uploaded: ${result.size} bytes in ${result.parts.length} parts, ${seconds} s`, { event: "snapshot.done", snapshotId, size: result.size, sha256: result.sha256 });
      await this.finish({ type: "snapshot.done", payload: { snapshotId, size: result.size, sha256: result.sha256, parts: result.parts } });
    } catch (error) {
      const failure = describeSnapshotFailure(error, signal.aborted);
      out.error(failure.code, `snapshot ${snapshotId} failed: ${failure.message}`, { event: "snapshot.failed", snapshotId, retryable: failure.retryable });
      await this.finish({ type: "snapshot.failed", payload: { snapshotId, ...failure } });
    } finally {
      opened?.dataKey.fill(0);
    }
  }

  /** Stores the report, then sends it (or queues it until the next authenticated connection). */
  private async finish(report: SnapshotReport): Promise<void> {
    try {
      await this.deps.ledger.record(report, this.deps.now());
    } catch (error) {
      // Still sent: the control plane must learn the outcome; only a re-sent command would now run it again.
      this.deps.out.error("E_STATE_WRITE", `could not store the report of snapshot ${report.payload.snapshotId}: ${(error as Error).message}`);
    }
    this.deps.connection.sendReport(report.type, report.payload);
  }

  private async requestParts(snapshotId: string, fromPart: number, count: number, signal: AbortSignal): Promise<PartUrl[]> {
    const reply = await this.deps.connection.request(
      "upload.parts.request",
      { snapshotId, fromPart, count: Math.min(count, MAX_PARTS_PER_BATCH) },
      { timeoutMs: PARTS_REPLY_TIMEOUT_MS, connectTimeoutMs: PARTS_CONNECT_TIMEOUT_MS, signal },
    );
    if (reply.type !== "upload.parts" || reply.payload.snapshotId !== snapshotId) {
      throw new Error(`the gateway answered upload.parts.request with ${reply.type} for another snapshot`);
    }
    return reply.payload.parts;
  }
}

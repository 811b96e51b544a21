import { gatewayUrlProblem, loadAgentConfig } from "../config/index.ts";
import { AppControl } from "../daemon/app-control.ts";
import { GatewayConnection } from "../daemon/gateway-connection.ts";
import { handleCommand } from "../daemon/handle-command.ts";
import { Heartbeats } from "../daemon/heartbeats.ts";
import { InitialRestoreGate } from "../daemon/initial-restore-gate.ts";
import { RestoreLedger } from "../daemon/restore-ledger.ts";
import { RestoreRunner } from "../daemon/restore-runner.ts";
import { SnapshotLedger } from "../daemon/snapshot-ledger.ts";
import { SnapshotRunner } from "../daemon/snapshot-runner.ts";
import { readIdentity } from "../identity/read-identity.ts";
import type { InitialRestoreStatus } from "@nacre/protocol";
import type { AgentContext } from "../runtime/agent-context.ts";
import { CliError, ExitCode } from "../runtime/cli-error.ts";

/**
 * `run`: the managed-mode daemon. Dials the gateway, authenticates with the enrolled identity, sends
 * heartbeats and acts on commands until SIGINT/SIGTERM; the link is re-established with backoff for as
 * long as the agent runs. A missing or unusable config or identity at start exits 3, so the service
 * manager shows why; after that nothing the gateway does stops the daemon.
 */
export async function runAgent(ctx: AgentContext, cmd: { agentConfig?: string }): Promise<ExitCode> {
  const { out, signal } = ctx;
  const config = await loadAgentConfig({ configPath: cmd.agentConfig, env: ctx.env, homeDir: ctx.homeDir, cwd: ctx.cwd });
  const identity = await readIdentity(config.identityFile);
  const url = config.gatewayUrl ?? identity.gatewayUrl;
  const problem = gatewayUrlProblem(url);
  if (problem !== undefined) {
    throw new CliError("E_CONFIG_INVALID", `the gateway URL ${url} (from ${config.gatewayUrl ? config.configPath : identity.path}) ${problem}`, ExitCode.config);
  }
  const ledger = await SnapshotLedger.open(config.stateDir, (message) => out.warn("W_STATE_CORRUPT", message));
  const app = new AppControl(config);
  const restoreLedger = await RestoreLedger.open(config.stateDir, (message) => out.warn("W_STATE_CORRUPT", message));
  const gate = await InitialRestoreGate.open(config.stateDir, ctx.now, (message) => out.warn("W_STATE_CORRUPT", message));
  /** Opens the wait-ready gate as the control plane says (auth.ok, initial-restore.status); logged, never thrown. */
  const settleGate = (status: InitialRestoreStatus): Promise<void> =>
    gate.fromControlPlane(status).then(
      (opened) => void (opened && out.info(`the initial restore is ${status.state === "failed" ? `given up (${status.message ?? ""}); the app may start` : "not needed; the app may start"}`, { event: "initial-restore.settled", state: status.state })),
      (error: unknown) => out.error("E_STATE_WRITE", `could not open the wait-ready gate: ${(error as Error).message}`),
    );

  // The callbacks run only after start(), when all three below exist.
  const connection = new GatewayConnection({
    url,
    vmId: identity.vmId,
    identityKey: identity.identityKey,
    agentVersion: ctx.version,
    out,
    now: ctx.now,
    onAuthenticated: (ok) => {
      heartbeats.start(ok.heartbeatIntervalSeconds);
      if (ok.initialRestore !== undefined) void settleGate(ok.initialRestore);
    },
    onDisconnected: () => heartbeats.stop(),
    onCommand: (message) => handleCommand({ connection, snapshots, restores, app, out, heartbeatNow: () => heartbeats.beatNow(), settleGate }, message),
  });
  const snapshots: SnapshotRunner = new SnapshotRunner({
    connection, ledger, identity, config, out, now: ctx.now, onBusyChange: () => heartbeats.beatNow(), busyRestoreId: (): string | null => restores.busyRestoreId,
  });
  const restores: RestoreRunner = new RestoreRunner({
    connection, ledger: restoreLedger, identity, config, app, agentVersion: ctx.version, out, now: ctx.now,
    busySnapshotId: (): string | null => snapshots.busySnapshotId, onBusyChange: () => heartbeats.beatNow(),
    // The restored data is in place: open the gate before the app is resumed, or a resume through
    // `systemctl start` would wait on the very gate this restore holds shut.
    beforeResume: async (restoreId) => {
      if (await gate.restored(restoreId)) out.info(`the initial restore's data is in place (restore ${restoreId}); the app may start`, { event: "initial-restore.restored", restoreId });
    },
  });
  // Before the first connection: a swap a crash interrupted is rolled back, and its report queued.
  await restores.recover();
  const heartbeats = new Heartbeats(connection, { agentVersion: ctx.version, dataDir: config.dataDir, app, ledger, busySnapshotId: () => snapshots.busySnapshotId }, out);

  out.info(`agent started (nacre-agent ${ctx.version}, VM ${identity.vmId})`, { event: "agent.started", vmId: identity.vmId, gatewayUrl: url, dataDir: config.dataDir });
  connection.start();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
  out.info("stopping", { event: "agent.stopping" });
  // The snapshot and the restore first: their reports go out on the still-open connection.
  await Promise.all([snapshots.stop(), restores.stop()]);
  heartbeats.stop();
  await connection.stop();
  out.info("agent stopped", { event: "agent.stopped" });
  return ExitCode.ok;
}

// Every command frame is acknowledged first (command.accepted, duplicates included, so the gateway stops
// resending it), then acted on: its snapshot id, restore id or command id makes acting idempotent.
import type { CommandMessage, InitialRestoreStatus } from "@nacre/protocol";
import type { Output } from "../runtime/output.ts";
import { AppCommandError } from "./app-control.ts";
import type { AppControl } from "./app-control.ts";
import type { GatewayConnection } from "./gateway-connection.ts";
import type { RestoreRunner } from "./restore-runner.ts";
import type { SnapshotRunner } from "./snapshot-runner.ts";

export interface CommandDeps {
  connection: GatewayConnection;
  snapshots: SnapshotRunner;
  restores: RestoreRunner;
  app: AppControl;
  out: Output;
  /** An extra heartbeat, so the control plane sees a changed app status at once. */
  heartbeatNow: () => void;
  /** Opens the wait-ready gate when the control plane says no initial restore will come. */
  settleGate: (status: InitialRestoreStatus) => Promise<void>;
}

/** Acknowledges and dispatches one command; never throws (work runs in the background). */
export function handleCommand(deps: CommandDeps, message: CommandMessage): void {
  const { connection, out } = deps;
  connection.send("command.accepted", { replyTo: message.id });
  out.info(`received ${message.type}`, { event: "command", type: message.type, id: message.id });
  switch (message.type) {
    // A snapshot or restore starts once a pause under way has finished: a pre-restore safety snapshot
    // must capture the paused app's data, and a restore must find the app as the pause left it.
    case "snapshot.start": {
      const command = message.payload;
      void deps.app.settled().then(() => deps.snapshots.start(command));
      return;
    }
    case "app.pause":
    case "app.resume":
      if (deps.app.firstReceipt(message.id)) void controlApp(deps, message.type, message.id, message.type === "app.pause" ? message.payload.resumeAfterSeconds : undefined);
      return;
    case "restore.start": {
      const command = message.payload;
      deps.app.holdForRestore();
      void deps.app.settled().then(() => deps.restores.start(command));
      return;
    }
    case "initial-restore.status":
      // Idempotent by nature: the gate only ever opens once.
      void deps.settleGate(message.payload);
      return;
  }
}

async function controlApp(deps: CommandDeps, type: "app.pause" | "app.resume", id: string, resumeAfterSeconds?: number): Promise<void> {
  try {
    if (type === "app.pause") {
      await deps.app.pause(resumeAfterSeconds === undefined ? {} : {
        resumeAfterMs: resumeAfterSeconds * 1000,
        onWatchdog: (problem) => {
          if (problem) deps.out.error("E_APP_COMMAND", `the app was paused ${resumeAfterSeconds} s ago and nothing followed; resuming it failed: ${problem}`, { event: "app.watchdog", id });
          else deps.out.warn("E_APP_WATCHDOG", `the app was paused ${resumeAfterSeconds} s ago and no restore followed; it was resumed`, { event: "app.watchdog", id });
          deps.heartbeatNow();
        },
      });
    } else {
      await deps.app.resume();
    }
    deps.out.info(type === "app.pause" ? "the app is paused" : "the app is resumed", { event: type, id });
  } catch (error) {
    const message = error instanceof AppCommandError ? error.message : `${type} failed: ${(error as Error).message}`;
    deps.out.error("E_APP_COMMAND", message, { event: type, id });
    deps.connection.sendReport("error", { code: "E_APP_COMMAND", message: message.slice(0, 2000), replyTo: id });
  }
  deps.heartbeatNow();
}

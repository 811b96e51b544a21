// What a worker does for one snapshot: start it, deliver snapshot.start to the agent (resent until
// accepted), then wait for the outcome the gateway publishes when the agent reports. If no outcome
// arrives in time the upload is aborted here, so a stuck agent never leaves a half-written object.
import type { Redis } from "ioredis";
import type { CommandEvent } from "../command-bus.ts";
import { sendCommand, watchCommand } from "../command-bus.ts";
import type { ControlPlane } from "../control-plane.ts";
import { failSnapshot } from "./fail-snapshot.ts";
import type { SnapshotOutcome } from "./snapshot-outcome.ts";
import { startSnapshot } from "./start-snapshot.ts";
import type { StartSnapshotInput } from "./start-snapshot.ts";

export interface RunSnapshotOptions {
  redis: Redis;
  subscriber: Redis;
  acceptTimeoutMs: number;
  resendEveryMs: number;
  /** How long the snapshot itself may take once accepted. */
  outcomeTimeoutMs: number;
}

/** Starts a managed snapshot on the VM and resolves with its outcome. */
export async function runSnapshot(cp: ControlPlane, input: StartSnapshotInput, options: RunSnapshotOptions): Promise<SnapshotOutcome> {
  const started = await startSnapshot(cp, input);
  const outcomes = watchCommand(options.subscriber, started.snapshotId);
  try {
    try {
      await sendCommand(options.redis, options.subscriber, { vmId: input.vmId, commandId: started.snapshotId, frame: started.frame }, options);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "E_COMMAND_FAILED";
      return await failSnapshot(cp, input.vmId, { snapshotId: started.snapshotId, code, message: (error as Error).message });
    }
    const event = await outcomes.next((e: CommandEvent) => e.kind === "outcome", options.outcomeTimeoutMs);
    if (event?.kind === "outcome") return event.detail as SnapshotOutcome;
    return await failSnapshot(cp, input.vmId, {
      snapshotId: started.snapshotId,
      code: "E_SNAPSHOT_TIMEOUT",
      message: `the agent did not report within ${Math.round(options.outcomeTimeoutMs / 1000)} s`,
    });
  } finally {
    await outcomes.close();
  }
}

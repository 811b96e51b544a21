// One handler per message type an authenticated agent may send. Reports about snapshots are checked
// against the upload's owner (this connection's VM), never against ids in the payload alone.
import { finishSnapshot, failSnapshot, presignParts, publishCommandEvent, SnapshotReportError } from "@nacre/fleet";
import { findRestore, withServiceSession } from "@nacre/db";
import type { AgentMessage, MessageOf } from "@nacre/protocol";
import { encodeMessage, newMessageId } from "@nacre/protocol";
import type { AgentSession } from "../agent-session.ts";
import type { GatewayContext } from "../gateway-context.ts";

/** Dispatches one decoded frame from an authenticated session. */
export async function handleAgentMessage(ctx: GatewayContext, session: AgentSession, message: AgentMessage): Promise<void> {
  const vmId = session.vmId as string;
  try {
    switch (message.type) {
      case "heartbeat":
        onHeartbeat(ctx, vmId, message);
        // The agent's proof that the link is alive (its WebSocket client cannot see our pings).
        session.send(encodeMessage("heartbeat.ack", newMessageId(), { receivedAt: ctx.now().toISOString() }));
        return;
      case "command.accepted":
        return await publishCommandEvent(ctx.redis, { kind: "accepted", commandId: message.payload.replyTo });
      case "upload.parts.request": {
        const { parts, expiresAt } = await presignParts(ctx.cp, vmId, message.payload);
        session.send(encodeMessage("upload.parts", newMessageId(), {
          replyTo: message.id, snapshotId: message.payload.snapshotId, parts, expiresAt: expiresAt.toISOString(),
        }));
        return;
      }
      case "snapshot.progress":
        return await publishCommandEvent(ctx.redis, { kind: "progress", commandId: message.payload.snapshotId, detail: message.payload });
      case "snapshot.done": {
        const outcome = await finishSnapshot(ctx.cp, vmId, message.payload);
        ctx.log({ level: outcome.ok ? "info" : "warn", message: "snapshot finished", vmId, ...outcome });
        return await publishCommandEvent(ctx.redis, { kind: "outcome", commandId: outcome.snapshotId, ok: outcome.ok, detail: outcome });
      }
      case "snapshot.failed": {
        const outcome = await failSnapshot(ctx.cp, vmId, message.payload);
        ctx.log({ level: "warn", message: "snapshot failed on the agent", vmId, code: message.payload.code });
        return await publishCommandEvent(ctx.redis, { kind: "outcome", commandId: outcome.snapshotId, ok: false, detail: outcome });
      }
      case "restore.progress":
      case "restore.done":
      case "restore.failed": {
        // Only the VM being restored may report on its restore; ids are random, but a report must
        // never be able to move someone else's restore along.
        const restore = await withServiceSession(ctx.cp.sql, (tx) => findRestore(tx, message.payload.restoreId));
        if (!restore || restore.vmId !== vmId) {
          ctx.log({ level: "warn", message: "refused a restore report for another VM's restore", vmId, restoreId: message.payload.restoreId });
          session.sendError("E_RESTORE_NOT_YOURS", `restore ${message.payload.restoreId} is not this VM's`, message.id);
          return;
        }
        return await publishCommandEvent(ctx.redis, { kind: "progress", commandId: message.payload.restoreId, detail: message });
      }
      case "error":
        ctx.log({ level: "warn", message: "agent reported an error", vmId, code: message.payload.code, detail: message.payload.message });
        return;
      default:
        session.sendError("E_UNEXPECTED", `${(message as { type: string }).type} is not expected here`, (message as { id: string }).id);
    }
  } catch (error) {
    if (error instanceof SnapshotReportError) {
      ctx.log({ level: "warn", message: "refused report", vmId, code: error.code });
      session.sendError(error.code, error.message, message.id);
      return;
    }
    throw error;
  }
}

// The registry entry is refreshed by the liveness sweep, not here: a SET per heartbeat would double the
// Redis traffic for nothing.
function onHeartbeat(ctx: GatewayContext, vmId: string, message: MessageOf<"heartbeat">): void {
  const beat = message.payload;
  ctx.heartbeats.add({
    vmId,
    at: ctx.now(),
    agentVersion: beat.agentVersion,
    diskFreeBytes: beat.diskFreeBytes,
    appStatus: beat.appStatus,
    lastBackupSucceededAt: beat.lastBackupSucceededAt ? new Date(beat.lastBackupSucceededAt) : null,
    lastBackupError: beat.lastBackupError,
    gatewayId: ctx.gatewayId,
  });
}

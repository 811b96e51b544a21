// Payloads the agent sends and the gateway receives. As on the other side, unknown fields are stripped, so
// a newer agent may add optional fields without breaking an older gateway.
import * as z from "zod";
import {
  AgentVersion,
  ByteCount,
  Ed25519Signature,
  ErrorCode,
  ErrorPayload,
  IsoTime,
  MAX_PARTS_PER_BATCH,
  MAX_PARTS_PER_UPLOAD,
  MessageId,
  Nonce,
  PartNumber,
  Sha256Hex,
  Text,
  Uuid,
} from "./fields.ts";

/** Answer to auth.challenge: who the agent is, and its signature over authSigningBytes. */
export const AgentHello = z.object({
  vmId: Uuid,
  agentVersion: AgentVersion,
  capabilities: z.array(z.string().min(1).max(64)).max(32),
  nonce: Nonce,
  signature: Ed25519Signature,
});
export type AgentHello = z.infer<typeof AgentHello>;

export const AppStatus = z.enum(["running", "paused", "stopped", "unknown"]);
export type AppStatus = z.infer<typeof AppStatus>;

/** Sent every heartbeatIntervalSeconds; the dashboard's "last backup" and disk figures come from here. */
export const Heartbeat = z.object({
  agentVersion: AgentVersion,
  diskFreeBytes: ByteCount,
  appStatus: AppStatus,
  lastBackupSucceededAt: IsoTime.nullable(),
  lastBackupError: Text.nullable(),
  /** The snapshot being written right now, so the gateway does not start a second one. */
  busySnapshotId: Uuid.nullable(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/** Sent on every receipt of a command, duplicates included, so the gateway stops resending it. */
export const CommandAccepted = z.object({ replyTo: MessageId });
export type CommandAccepted = z.infer<typeof CommandAccepted>;

/** Asks for pre-signed URLs of parts fromPart … fromPart + count − 1; answered by upload.parts. */
export const UploadPartsRequest = z.object({
  snapshotId: Uuid,
  fromPart: PartNumber,
  count: z.int().min(1).max(MAX_PARTS_PER_BATCH),
});
export type UploadPartsRequest = z.infer<typeof UploadPartsRequest>;

export const SnapshotProgress = z.object({
  snapshotId: Uuid,
  phase: z.enum(["archiving", "uploading"]),
  /** Plaintext bytes read from disk so far. */
  bytesIn: ByteCount,
  /** Ciphertext bytes uploaded so far. */
  bytesOut: ByteCount,
  partsDone: ByteCount,
});
export type SnapshotProgress = z.infer<typeof SnapshotProgress>;

export const UploadedPart = z.object({ number: PartNumber, etag: z.string().min(1).max(256) });
export type UploadedPart = z.infer<typeof UploadedPart>;

/** Every part is uploaded; the gateway completes the multipart upload with exactly these parts. */
export const SnapshotDone = z
  .object({
    snapshotId: Uuid,
    /** Ciphertext size of the whole object. */
    size: ByteCount,
    /** SHA-256 of the whole ciphertext object. */
    sha256: Sha256Hex,
    parts: z.array(UploadedPart).min(1).max(MAX_PARTS_PER_UPLOAD),
  })
  .superRefine((done, ctx) => {
    // A gap or a repeat would complete an object that is not the one the agent wrote; refuse it here so the
    // gateway never reports such a snapshot as done.
    const at = done.parts.findIndex((part, index) => part.number !== index + 1);
    if (at === -1) return;
    ctx.addIssue({
      code: "custom",
      path: ["parts", at, "number"],
      message: `expected part number ${at + 1}: parts are numbered 1, 2, 3 … without gaps or repeats`,
    });
  });
export type SnapshotDone = z.infer<typeof SnapshotDone>;

export const SnapshotFailed = z.object({
  snapshotId: Uuid,
  code: ErrorCode,
  message: Text,
  /** False when trying again cannot help (e.g. a refused grant); the job then stops retrying. */
  retryable: z.boolean(),
});
export type SnapshotFailed = z.infer<typeof SnapshotFailed>;

export const RestoreProgress = z.object({ restoreId: Uuid, step: z.string().max(64), message: Text });
export type RestoreProgress = z.infer<typeof RestoreProgress>;

export const RestoreDone = z.object({ restoreId: Uuid });
export type RestoreDone = z.infer<typeof RestoreDone>;

export const RestoreFailed = z.object({
  restoreId: Uuid,
  code: ErrorCode,
  message: Text,
  /** True when the VM was put back as it was before the restore began. */
  rolledBack: z.boolean(),
});
export type RestoreFailed = z.infer<typeof RestoreFailed>;

/** Agent → gateway: type → payload schema. The gateway decodes with exactly this set. */
export const AGENT_MESSAGES = {
  "agent.hello": AgentHello,
  heartbeat: Heartbeat,
  "command.accepted": CommandAccepted,
  "upload.parts.request": UploadPartsRequest,
  "snapshot.progress": SnapshotProgress,
  "snapshot.done": SnapshotDone,
  "snapshot.failed": SnapshotFailed,
  "restore.progress": RestoreProgress,
  "restore.done": RestoreDone,
  "restore.failed": RestoreFailed,
  error: ErrorPayload,
} as const;
export type AgentMessageType = keyof typeof AGENT_MESSAGES;

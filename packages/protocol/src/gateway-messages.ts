// Payloads the gateway sends and the agent receives. Objects strip unknown fields instead of refusing them,
// so a newer gateway may add optional fields without breaking older agents (docs/protocol.md, Versioning).
import * as z from "zod";
import {
  ByteCount,
  ErrorPayload,
  GatewayId,
  GrantToken,
  HttpUrl,
  IsoTime,
  MAX_PART_SIZE,
  MAX_PARTS_PER_BATCH,
  MessageId,
  MIN_PART_SIZE,
  Nonce,
  PartNumber,
  Sha256Hex,
  Text,
  Uuid,
} from "./fields.ts";

/** First frame on every connection; the agent signs `nonce` (see authSigningBytes). */
export const AuthChallenge = z.object({
  nonce: Nonce,
  gatewayId: GatewayId,
  /** Lets the agent notice a skewed clock before it checks a grant's expiry. */
  serverTime: IsoTime,
});
export type AuthChallenge = z.infer<typeof AuthChallenge>;

/**
 * What the control plane knows about the VM's initial restore (a resubscribed customer's last snapshot
 * restored onto their fresh VM before the app first starts): `pending` while it is to come, `failed` when
 * it was given up (`message` says why), `none` when there is nothing (more) to restore.
 */
export const InitialRestoreStatus = z.object({
  state: z.enum(["pending", "none", "failed"]),
  message: Text.optional(),
});
export type InitialRestoreStatus = z.infer<typeof InitialRestoreStatus>;

/** The agent's hello verified; from now on both sides may send anything of their direction. */
export const AuthOk = z.object({
  vmId: Uuid,
  heartbeatIntervalSeconds: z.int().min(5).max(3600),
  /** Absent from gateways that predate initial restores; the agent then keeps what it knows. */
  initialRestore: InitialRestoreStatus.optional(),
});
export type AuthOk = z.infer<typeof AuthOk>;

export const SnapshotKind = z.enum(["nightly", "export", "final", "pre-restore"]);
export type SnapshotKind = z.infer<typeof SnapshotKind>;
export const Region = z.enum(["SG", "US", "EU"]);
export type Region = z.infer<typeof Region>;

/** Command: write one snapshot to `objectKey`; part URLs arrive later, on request (upload.parts). */
export const SnapshotStart = z.object({
  snapshotId: Uuid,
  kind: SnapshotKind,
  objectKey: z.string().min(1).max(1024),
  region: Region,
  partSize: z.int().min(MIN_PART_SIZE).max(MAX_PART_SIZE),
  grant: GrantToken,
});
export type SnapshotStart = z.infer<typeof SnapshotStart>;

export const PartUrl = z.object({ number: PartNumber, url: HttpUrl });
export type PartUrl = z.infer<typeof PartUrl>;

/** Reply to upload.parts.request: pre-signed PUT URLs, valid until `expiresAt`. */
export const UploadParts = z.object({
  replyTo: MessageId,
  snapshotId: Uuid,
  parts: z.array(PartUrl).min(1).max(MAX_PARTS_PER_BATCH),
  expiresAt: IsoTime,
});
export type UploadParts = z.infer<typeof UploadParts>;

/** Command: download, verify and restore one snapshot. */
export const RestoreStart = z.object({
  restoreId: Uuid,
  snapshotId: Uuid,
  downloadUrl: HttpUrl,
  size: ByteCount,
  sha256: Sha256Hex,
  grant: GrantToken,
});
export type RestoreStart = z.infer<typeof RestoreStart>;

/**
 * Command: stop the app (before a restore's safety snapshot); `reason` is shown in the agent's log.
 * `resumeAfterSeconds` is a watchdog: unless a restore.start or app.resume comes first, the agent
 * starts the app again by itself then, so a control plane that stops half-way never leaves it down.
 */
export const AppPause = z.object({
  reason: z.string().max(200).optional(),
  resumeAfterSeconds: z.int().min(1).max(24 * 60 * 60).optional(),
});
export type AppPause = z.infer<typeof AppPause>;

/** Command: start the app again. */
export const AppResume = z.object({});
export type AppResume = z.infer<typeof AppResume>;

/**
 * The gateway's answer to each heartbeat. It is how the agent knows its link is alive: Node's WebSocket
 * client cannot send pings, and a link that died silently would otherwise look up until TCP gives up.
 */
export const HeartbeatAck = z.object({
  receivedAt: IsoTime,
});
export type HeartbeatAck = z.infer<typeof HeartbeatAck>;

/** Command: the initial restore's state changed while the agent is connected (given up, or withdrawn). */
export const InitialRestoreUpdate = InitialRestoreStatus;
export type InitialRestoreUpdate = z.infer<typeof InitialRestoreUpdate>;

/** Gateway → agent: type → payload schema. The agent decodes with exactly this set. */
export const GATEWAY_MESSAGES = {
  "auth.challenge": AuthChallenge,
  "auth.ok": AuthOk,
  "snapshot.start": SnapshotStart,
  "upload.parts": UploadParts,
  "restore.start": RestoreStart,
  "app.pause": AppPause,
  "app.resume": AppResume,
  "heartbeat.ack": HeartbeatAck,
  "initial-restore.status": InitialRestoreUpdate,
  error: ErrorPayload,
} as const;
export type GatewayMessageType = keyof typeof GATEWAY_MESSAGES;

const COMMAND_TYPE_LIST = ["snapshot.start", "restore.start", "app.pause", "app.resume", "initial-restore.status"] as const;
/** A gateway message the agent must acknowledge (command.accepted) and act on once per id. */
export type CommandType = (typeof COMMAND_TYPE_LIST)[number];
/** The command types; every other gateway message is a reply, a challenge or an error. */
export const COMMAND_TYPES: ReadonlySet<CommandType> = new Set(COMMAND_TYPE_LIST);

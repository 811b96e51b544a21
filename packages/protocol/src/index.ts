// @nacre/protocol: wire messages between the per-VM agent and the WebSocket gateway (docs/protocol.md).
// A leaf: zod is its only dependency, and it uses no Node module, so both ends (and tests) share it as is.
//
// Every frame is JSON text `{ v: 1, type, id, payload }` of at most MAX_FRAME_BYTES. Each side encodes with
// encodeMessage and decodes with the decoder of the messages it may receive (decodeAgentMessage on the
// gateway, decodeGatewayMessage on the agent), which never throws and reports a stable code instead.

// Constants and the field schemas other packages need; the rest of fields.ts are building blocks.
export {
  ErrorCode,
  ErrorPayload,
  MAX_FRAME_BYTES,
  MAX_PART_SIZE,
  MAX_PARTS_PER_BATCH,
  MAX_PARTS_PER_UPLOAD,
  MAX_TEXT_LENGTH,
  MessageId,
  MIN_PART_SIZE,
  newMessageId,
  PROTOCOL_VERSION,
} from "./fields.ts";

export {
  AppPause,
  AppResume,
  AuthChallenge,
  AuthOk,
  COMMAND_TYPES,
  GATEWAY_MESSAGES,
  HeartbeatAck,
  InitialRestoreStatus,
  InitialRestoreUpdate,
  PartUrl,
  Region,
  RestoreStart,
  SnapshotKind,
  SnapshotStart,
  UploadParts,
} from "./gateway-messages.ts";
export type { CommandType, GatewayMessageType } from "./gateway-messages.ts";

export {
  AGENT_MESSAGES,
  AgentHello,
  AppStatus,
  CommandAccepted,
  Heartbeat,
  RestoreDone,
  RestoreFailed,
  RestoreProgress,
  SnapshotDone,
  SnapshotFailed,
  SnapshotProgress,
  UploadedPart,
  UploadPartsRequest,
} from "./agent-messages.ts";
export type { AgentMessageType } from "./agent-messages.ts";

export { isCommand } from "./messages.ts";
export type { AgentMessage, CommandMessage, GatewayMessage, MessageOf, MessageType, PayloadOf } from "./messages.ts";

export { encodeMessage } from "./encode-message.ts";
export { decodeAgentMessage, decodeGatewayMessage } from "./decode-message.ts";
export type { DecodeResult } from "./decode-message.ts";
export type { RawFrame } from "./frame-text.ts";

export { AUTH_SIGNING_TAG, authSigningBytes } from "./auth-signing-bytes.ts";
export type { AuthSigningInput } from "./auth-signing-bytes.ts";

export { isProtocolError, PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-error.ts";
export type { DecodeError, ProtocolErrorCode } from "./protocol-error.ts";

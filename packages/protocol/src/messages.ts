// The message catalog seen as types: one discriminated union per direction, keyed by `type`. Direction
// matters on the wire: each side decodes with the set it may receive, so a frame sent the wrong way is
// refused as E_UNKNOWN_TYPE instead of being half-understood.
import type { z } from "zod";
import { AGENT_MESSAGES } from "./agent-messages.ts";
import type { AgentMessageType } from "./agent-messages.ts";
import type { MessageId, PROTOCOL_VERSION } from "./fields.ts";
import { COMMAND_TYPES, GATEWAY_MESSAGES } from "./gateway-messages.ts";
import type { CommandType, GatewayMessageType } from "./gateway-messages.ts";

/** Every message type of either direction (`error` belongs to both). */
export type MessageType = AgentMessageType | GatewayMessageType;

type Catalog = typeof AGENT_MESSAGES & typeof GATEWAY_MESSAGES;
type PayloadSchema = z.ZodType;

/** The payload of a message of type `T`, after validation (unknown fields dropped). */
export type PayloadOf<T extends MessageType> = z.infer<Catalog[T]>;

/** The whole envelope of a message of type `T`; a union of types gives a union of messages. */
export type MessageOf<T extends MessageType> = T extends MessageType
  ? { v: typeof PROTOCOL_VERSION; type: T; id: MessageId; payload: PayloadOf<T> }
  : never;

/** What the agent sends and the gateway receives. */
export type AgentMessage = MessageOf<AgentMessageType>;
/** What the gateway sends and the agent receives. */
export type GatewayMessage = MessageOf<GatewayMessageType>;
/** A gateway message that is a command: acknowledged on every receipt, acted on once per id. */
export type CommandMessage = MessageOf<CommandType>;

/** True when `message` is a command (snapshot.start, restore.start, app.pause, app.resume, initial-restore.status). */
export function isCommand(message: GatewayMessage): message is CommandMessage {
  return (COMMAND_TYPES as ReadonlySet<string>).has(message.type);
}

/** The schemas a receiver accepts, by type, and who it is (for error messages). */
export interface Direction {
  receiver: "agent" | "gateway";
  messages: Readonly<Record<string, PayloadSchema>>;
}

/** What the agent accepts: the gateway's messages. */
export const TO_AGENT: Direction = { receiver: "agent", messages: GATEWAY_MESSAGES };
/** What the gateway accepts: the agent's messages. */
export const TO_GATEWAY: Direction = { receiver: "gateway", messages: AGENT_MESSAGES };

/** The payload schema of `type` in `messages`; own keys only, so "constructor" or "__proto__" are unknown. */
export function schemaOf(messages: Direction["messages"], type: string): PayloadSchema | undefined {
  return Object.hasOwn(messages, type) ? messages[type] : undefined;
}

/** The payload schema of `type` in either direction, or undefined when neither side knows it. */
export function anySchemaOf(type: string): PayloadSchema | undefined {
  return schemaOf(AGENT_MESSAGES, type) ?? schemaOf(GATEWAY_MESSAGES, type);
}

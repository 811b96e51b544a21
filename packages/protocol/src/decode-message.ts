// Decoding a frame from the other side. Nothing here throws: a bad frame is routine input, answered with an
// `error` frame while the connection stays open. The checks run cheapest first (size, UTF-8, JSON, envelope,
// version, type, payload), and the envelope's id is picked out as soon as the JSON parses, so every later
// refusal can be answered with `replyTo`.
import * as z from "zod";
import { MessageId, PROTOCOL_VERSION } from "./fields.ts";
import { frameText } from "./frame-text.ts";
import type { RawFrame } from "./frame-text.ts";
import { schemaOf, TO_AGENT, TO_GATEWAY } from "./messages.ts";
import type { AgentMessage, Direction, GatewayMessage } from "./messages.ts";
import { clip, describeFirstIssue } from "./protocol-error.ts";
import type { DecodeError, ProtocolErrorCode } from "./protocol-error.ts";

/** A decoded message, or why the frame was refused. */
export type DecodeResult<M> = { ok: true; message: M } | { ok: false; error: DecodeError };

// `v` is checked before this schema runs, so a future envelope of another shape is reported as a version
// problem, not as a malformed frame. Unknown envelope fields are dropped like unknown payload fields.
const Envelope = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.string().min(1).max(64),
  id: MessageId,
  payload: z.looseObject({}),
});

/** Decodes a frame the gateway received from an agent; never throws. */
export function decodeAgentMessage(data: RawFrame): DecodeResult<AgentMessage> {
  return decodeFrame(data, TO_GATEWAY) as DecodeResult<AgentMessage>;
}

/** Decodes a frame the agent received from the gateway; never throws. */
export function decodeGatewayMessage(data: RawFrame): DecodeResult<GatewayMessage> {
  return decodeFrame(data, TO_AGENT) as DecodeResult<GatewayMessage>;
}

type Decoded = DecodeResult<{ v: typeof PROTOCOL_VERSION; type: string; id: string; payload: unknown }>;

function decodeFrame(data: unknown, direction: Direction): Decoded {
  const text = frameText(data);
  if (!text.ok) return text;
  let json: unknown;
  try {
    json = JSON.parse(text.text);
  } catch {
    return refuse("E_NOT_JSON", "the frame is not valid JSON — send each message as one JSON text frame");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return refuse("E_BAD_ENVELOPE", "the frame is not a JSON object — send { v, type, id, payload }");
  }
  const fields = json as Record<string, unknown>;
  const id = MessageId.safeParse(fields.id).success ? (fields.id as string) : undefined;
  if (typeof fields.v === "number" && fields.v !== PROTOCOL_VERSION) {
    return refuse(
      "E_UNSUPPORTED_VERSION",
      `protocol version ${fields.v} is not supported; this ${direction.receiver} speaks version ` +
        `${PROTOCOL_VERSION} — upgrade whichever side is older`,
      id,
    );
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) {
    return refuse(
      "E_BAD_ENVELOPE",
      `${describeFirstIssue("", envelope.error)} — every frame is { v: ${PROTOCOL_VERSION}, type, id, payload }`,
      id,
    );
  }
  const { type, payload } = envelope.data;
  const schema = schemaOf(direction.messages, type);
  if (schema === undefined) {
    return refuse(
      "E_UNKNOWN_TYPE",
      `the ${direction.receiver} does not accept messages of type ${JSON.stringify(type)} — upgrade the ` +
        `${direction.receiver}, or stop sending this type in this direction`,
      id,
    );
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    return refuse(
      "E_BAD_PAYLOAD",
      `${describeFirstIssue("payload", parsed.error)} — this ${type} payload does not match protocol ` +
        `v${PROTOCOL_VERSION}; fix the sender`,
      id,
    );
  }
  return { ok: true, message: { v: PROTOCOL_VERSION, type, id: envelope.data.id, payload: parsed.data } };
}

function refuse(code: ProtocolErrorCode, message: string, id?: string): Decoded {
  const error: DecodeError = { code, message: clip(message) };
  if (id !== undefined) error.id = id;
  return { ok: false, error };
}

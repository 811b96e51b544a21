// Encoding a message to send. Unlike decoding, this throws: a payload that fails its own schema, or a frame
// over the cap, is a bug on the sending side and must surface there, not as an error frame from the peer.
import { MAX_FRAME_BYTES, MessageId, PROTOCOL_VERSION } from "./fields.ts";
import { utf8Length } from "./frame-text.ts";
import { anySchemaOf } from "./messages.ts";
import type { MessageType, PayloadOf } from "./messages.ts";
import { describeFirstIssue, ProtocolError } from "./protocol-error.ts";

/** The JSON text frame for one message; throws ProtocolError (E_BAD_PAYLOAD, …) when it would be refused. */
export function encodeMessage<T extends MessageType>(type: T, id: string, payload: PayloadOf<T>): string {
  const schema = anySchemaOf(type);
  if (schema === undefined) {
    throw new ProtocolError(
      "E_UNKNOWN_TYPE",
      `${JSON.stringify(type)} is not a message type of protocol v${PROTOCOL_VERSION} — use one of the ` +
        "types in AGENT_MESSAGES or GATEWAY_MESSAGES",
    );
  }
  if (!MessageId.safeParse(id).success) {
    throw new ProtocolError(
      "E_BAD_ENVELOPE",
      `the id ${JSON.stringify(id)} is not 1 to 64 characters of A-Z a-z 0-9 _ - — use newMessageId(), or ` +
        "the command's id when resending it",
    );
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ProtocolError(
      "E_BAD_PAYLOAD",
      `${describeFirstIssue("payload", parsed.error)} — this ${type} payload would be refused by the other ` +
        "side; fix the code that builds it",
      { cause: parsed.error },
    );
  }
  // The parsed payload is sent, not the argument: fields the schema does not know never leave this side.
  const frame = JSON.stringify({ v: PROTOCOL_VERSION, type, id, payload: parsed.data });
  const bytes = utf8Length(frame);
  if (bytes > MAX_FRAME_BYTES) {
    throw new ProtocolError(
      "E_FRAME_TOO_LARGE",
      `this ${type} frame is ${bytes} bytes, above the ${MAX_FRAME_BYTES}-byte cap — send less in one ` +
        "message (fewer parts per batch, a shorter text)",
    );
  }
  return frame;
}

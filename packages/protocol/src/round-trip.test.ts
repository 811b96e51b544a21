import { describe, expect, it } from "vitest";
import { AGENT_MESSAGES } from "./agent-messages.ts";
import { decodeAgentMessage, decodeGatewayMessage } from "./decode-message.ts";
import { encodeMessage } from "./encode-message.ts";
import { ALL_TYPES, decodeAsReceiver, EXAMPLES } from "./examples.ts";
import { newMessageId } from "./fields.ts";
import { COMMAND_TYPES, GATEWAY_MESSAGES } from "./gateway-messages.ts";
import { isCommand } from "./messages.ts";
import type { GatewayMessage, MessageType } from "./messages.ts";

describe("every message type", () => {
  it.each(ALL_TYPES)("%s round-trips encode → decode unchanged", (type) => {
    const id = newMessageId();
    const frame = encodeMessage(type, id, EXAMPLES[type]);
    expect(JSON.parse(frame)).toEqual({ v: 1, type, id, payload: EXAMPLES[type] });
    expect(decodeAsReceiver(type, frame)).toEqual({ ok: true, message: { v: 1, type, id, payload: EXAMPLES[type] } });
  });

  it("has an example, and belongs to a direction", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...ALL_TYPES].sort());
    expect(ALL_TYPES).toHaveLength(20);
  });

  it("is received by one side only, except error which both sides send", () => {
    for (const type of ALL_TYPES) {
      const frame = encodeMessage(type, "m-1", EXAMPLES[type] as never);
      const accepted = [decodeGatewayMessage(frame).ok ? "agent" : "", decodeAgentMessage(frame).ok ? "gateway" : ""];
      const expected = [
        Object.hasOwn(GATEWAY_MESSAGES, type) ? "agent" : "",
        Object.hasOwn(AGENT_MESSAGES, type) ? "gateway" : "",
      ];
      expect({ type, accepted }).toEqual({ type, accepted: expected });
    }
    expect(decodeGatewayMessage(encodeMessage("error", "m-1", EXAMPLES.error)).ok).toBe(true);
    expect(decodeAgentMessage(encodeMessage("error", "m-1", EXAMPLES.error)).ok).toBe(true);
  });
});

describe("commands", () => {
  it("are snapshot.start, restore.start, app.pause, app.resume and initial-restore.status", () => {
    expect([...COMMAND_TYPES].sort()).toEqual(["app.pause", "app.resume", "initial-restore.status", "restore.start", "snapshot.start"]);
    for (const type of COMMAND_TYPES) expect(Object.hasOwn(GATEWAY_MESSAGES, type)).toBe(true);
  });

  it("are told from replies by isCommand, narrowing the message", () => {
    const decoded = (type: MessageType) => {
      const result = decodeGatewayMessage(encodeMessage(type, "c-1", EXAMPLES[type] as never));
      if (!result.ok) throw new Error(result.error.message);
      return result.message;
    };
    const start: GatewayMessage = decoded("snapshot.start");
    expect(isCommand(start)).toBe(true);
    if (isCommand(start) && start.type === "snapshot.start") expect(start.payload.partSize).toBe(8 * 1024 * 1024);
    for (const type of ["auth.challenge", "auth.ok", "upload.parts", "error"] as const) {
      expect(isCommand(decoded(type))).toBe(false);
    }
  });
});

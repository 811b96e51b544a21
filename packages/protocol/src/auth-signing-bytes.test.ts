import { generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authSigningBytes } from "./auth-signing-bytes.ts";
import { decodeAgentMessage } from "./decode-message.ts";
import { encodeMessage } from "./encode-message.ts";
import { NONCE, VM_ID } from "./examples.ts";
import { MessageId, newMessageId } from "./fields.ts";

const input = { nonce: NONCE, vmId: VM_ID, gatewayId: "gw-sg-1" };

describe("authSigningBytes", () => {
  it("is the UTF-8 of the tag, gateway, VM and nonce joined by NUL", () => {
    const expected = `nacre/agent-auth/v1\u0000gw-sg-1\u0000${VM_ID}\u0000${NONCE}`;
    expect(Buffer.from(authSigningBytes(input)).toString("utf8")).toBe(expected);
    // Text is UTF-8, not Latin-1: "ü" is the two bytes c3 bc.
    expect(Buffer.from(authSigningBytes({ ...input, gatewayId: "gw-ü" })).toString("hex")).toContain("2dc3bc00");
  });

  it("gives a signature that verifies only for the same gateway, VM and nonce", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const signature = sign(null, authSigningBytes(input), privateKey).toString("base64url");
    const hello = encodeMessage("agent.hello", newMessageId(), {
      vmId: VM_ID,
      agentVersion: "0.4.2",
      capabilities: [],
      nonce: NONCE,
      signature,
    });
    const decoded = decodeAgentMessage(hello);
    if (!decoded.ok || decoded.message.type !== "agent.hello") throw new Error("hello refused");
    const received = Buffer.from(decoded.message.payload.signature, "base64url");
    expect(verify(null, authSigningBytes(input), publicKey, received)).toBe(true);
    const otherNonce = `${NONCE.slice(0, 10)}B${NONCE.slice(11)}`;
    const others = [{ gatewayId: "gw-us-1" }, { vmId: "00000000-0000-4000-8000-000000000000" }, { nonce: otherNonce }];
    for (const other of others) {
      expect(verify(null, authSigningBytes({ ...input, ...other }), publicKey, received)).toBe(false);
    }
  });

  it("refuses values that could make the bytes ambiguous or are not what the challenge carries", () => {
    for (const bad of [{ gatewayId: "gw\u0000x" }, { gatewayId: "" }, { vmId: "vm-1" }, { nonce: `${NONCE}=` }]) {
      expect(() => authSigningBytes({ ...input, ...bad })).toThrow(expect.objectContaining({ code: "E_BAD_PAYLOAD" }));
    }
  });
});

describe("newMessageId", () => {
  it("makes distinct ids that are valid envelope ids", () => {
    const ids = Array.from({ length: 1000 }, newMessageId);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(MessageId.safeParse(id).success && id.length === 22).toBe(true);
  });
});

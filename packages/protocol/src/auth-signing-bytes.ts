// What the agent signs to answer auth.challenge. Every value that could make the signature usable elsewhere
// is inside: the gateway's id (a signature relayed to another gateway fails), the VM's id (it cannot be
// claimed for another VM) and the fresh nonce (it cannot be replayed). A domain tag with its version keeps
// these bytes from ever equalling a grant's or any other message the same key might sign. NUL separates
// the fields, and none of them may contain NUL, so the split is unambiguous.
import { GatewayId, Nonce, Uuid } from "./fields.ts";
import { describeFirstIssue, ProtocolError } from "./protocol-error.ts";

/** The domain tag that starts the signed bytes; a new layout gets a new tag. */
export const AUTH_SIGNING_TAG = "nacre/agent-auth/v1";

export interface AuthSigningInput {
  /** The nonce of auth.challenge, exactly as received (43 characters of base64url). */
  nonce: string;
  /** The agent's VM id, as sent in agent.hello. */
  vmId: string;
  /** The gatewayId of auth.challenge. */
  gatewayId: string;
}

const encoder = new TextEncoder();

/** UTF-8 of "nacre/agent-auth/v1\0" + gatewayId + "\0" + vmId + "\0" + nonce: what agent.hello signs. */
export function authSigningBytes(input: AuthSigningInput): Uint8Array {
  check("nonce", Nonce, input.nonce);
  check("vmId", Uuid, input.vmId);
  check("gatewayId", GatewayId, input.gatewayId);
  return encoder.encode(`${AUTH_SIGNING_TAG}\0${input.gatewayId}\0${input.vmId}\0${input.nonce}`);
}

function check(name: string, schema: typeof Nonce | typeof Uuid | typeof GatewayId, value: unknown): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  throw new ProtocolError(
    "E_BAD_PAYLOAD",
    `authSigningBytes: ${describeFirstIssue(name, result.error)} — pass the values of auth.challenge and ` +
      "this VM's id unchanged",
  );
}

import { sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { authSigningBytes } from "@nacre/protocol";
import type { AgentHello, AuthChallenge } from "@nacre/protocol";

/** What this agent can do; the gateway only sends commands an agent announced. */
export const CAPABILITIES = ["snapshot.v1"];

export interface HelloInput {
  challenge: AuthChallenge;
  vmId: string;
  agentVersion: string;
  /** The enrolled Ed25519 private key. */
  identityKey: KeyObject;
}

/** The agent.hello answering `challenge`: Ed25519 over authSigningBytes (gateway id, VM id, nonce), base64url. */
export function signHello({ challenge, vmId, agentVersion, identityKey }: HelloInput): AgentHello {
  const { nonce, gatewayId } = challenge;
  const signature = sign(null, authSigningBytes({ nonce, vmId, gatewayId }), identityKey).toString("base64url");
  return { vmId, agentVersion, capabilities: CAPABILITIES, nonce, signature };
}

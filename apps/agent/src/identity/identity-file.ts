import type { KeyObject } from "node:crypto";
import * as z from "zod";

// What `enroll` writes and `run` reads: who this VM is to the control plane, and the private keys that prove
// it. Mode 0600 in a 0700 directory, like an ssh host key; a file others can read is refused.

/** The identity file's JSON, version 1. */
export const IdentityFile = z.object({
  v: z.literal(1),
  /** The VM id the control plane assigned at enrollment. */
  vmId: z.uuid(),
  /** The gateway the agent enrolled with; `run` dials it unless the config names another. */
  gatewayUrl: z.string().min(1),
  /** Ed25519, PKCS#8 PEM: signs each connection's challenge. */
  identityPrivateKey: z.string().min(1),
  /** X25519, PKCS#8 PEM: opens the data keys sealed into grants. */
  sealingPrivateKey: z.string().min(1),
  /** The control plane's Ed25519 grant-verification key, raw 32 bytes as base64url. */
  controlPlaneKey: z.string().min(1),
});
export type IdentityFile = z.infer<typeof IdentityFile>;

/** The identity file read and its keys imported. */
export interface AgentIdentity {
  path: string;
  vmId: string;
  gatewayUrl: string;
  identityKey: KeyObject;
  sealingKey: KeyObject;
  controlPlaneKey: KeyObject;
}

// Agent convenience: verify a grant and unseal its data key in one call, so no caller can use a data key
// from a grant it forgot to verify, or unseal it under a context other than the grant's snapshot id.
import type { KeyObject } from "node:crypto";
import { fromBase64url } from "./encoding.ts";
import type { KeyGrant } from "./grant.ts";
import { openSealed } from "./sealed-box.ts";
import { verifyGrant } from "./verify-grant.ts";
import type { VerifyGrantOptions } from "./verify-grant.ts";

export interface OpenGrantOptions extends VerifyGrantOptions {
  /** This VM's X25519 private key, the pair of the public key the control plane seals to. */
  agentPrivateKey: KeyObject;
}

export interface OpenedGrant {
  grant: KeyGrant;
  /** The 32-byte data key: encrypt (or decrypt) the snapshot with it, then discard it. */
  dataKey: Uint8Array;
  /** The 40-byte wrapped key for the snapshot header. */
  wrappedKey: Uint8Array;
  /** The customer key id for the snapshot header. */
  keyId: string;
}

/** Verifies `token` (see verifyGrant) and unseals its data key with the agent's private key; throws KeyError otherwise. */
export function openGrant(token: string, options: OpenGrantOptions): OpenedGrant {
  const grant = verifyGrant(token, options);
  // verifyGrant has checked both are canonical base64url of their exact lengths; a 93-byte sealed box
  // that opens holds exactly 32 bytes, so the data key needs no length check of its own.
  const sealed = fromBase64url(grant.sealedDataKey)!;
  const wrappedKey = fromBase64url(grant.wrappedKey)!;
  const dataKey = openSealed(sealed, options.agentPrivateKey, grant.snapshotId);
  return { grant, dataKey, wrappedKey, keyId: grant.keyId };
}

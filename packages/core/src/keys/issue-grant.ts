// Control-plane convenience: seal the data key and sign the grant in one call, so the sealing context
// (the snapshot id) is chosen here and in open-grant.ts and nowhere else.
import type { KeyObject } from "node:crypto";
import { toBase64url } from "./encoding.ts";
import { GRANT_VERSION } from "./grant.ts";
import type { GrantPurpose } from "./grant.ts";
import { KeyError } from "./key-error.ts";
import { sealToAgent } from "./sealed-box.ts";
import { signGrant } from "./sign-grant.ts";

export interface IssueGrantInput {
  purpose: GrantPurpose;
  vmId: string;
  snapshotId: string;
  keyId: string;
  /** Epoch milliseconds; the grant is refused from this instant on. */
  expiresAt: number;
  /** The snapshot's 32-byte data key, in the clear; only the agent holding the sealing key can read it. */
  dataKey: Uint8Array;
  /** The data key wrapped under the customer key `keyId` (40 bytes, from @nacre/snapshot's wrapDataKey). */
  wrappedKey: Uint8Array;
  /** The VM's X25519 public key as registered with the control plane. */
  agentPublicKey: KeyObject;
}

/** Seals `dataKey` to the agent for `snapshotId` and signs the grant; returns the token to send. */
export function issueGrant(input: IssueGrantInput, signingKey: KeyObject): string {
  if (input.dataKey.length !== 32) {
    throw new KeyError("E_KEY_INPUT", `cannot issue the grant: the data key is ${input.dataKey.length} bytes, not 32`);
  }
  const sealed = sealToAgent(input.dataKey, input.agentPublicKey, input.snapshotId);
  return signGrant(
    {
      v: GRANT_VERSION,
      purpose: input.purpose,
      vmId: input.vmId,
      snapshotId: input.snapshotId,
      keyId: input.keyId,
      expiresAt: input.expiresAt,
      sealedDataKey: toBase64url(sealed),
      wrappedKey: toBase64url(input.wrappedKey),
    },
    signingKey,
  );
}

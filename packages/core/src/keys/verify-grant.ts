// Agent side of a grant. The order of checks matters: the token is only split and measured before its
// signature is checked, so nothing unauthenticated is interpreted beyond its version byte; the binding
// checks (VM, snapshot, purpose, expiry) then run on fields the control plane is known to have written.
import { verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { fromBase64url } from "./encoding.ts";
import { decodeGrantPayload, GRANT_SIGNATURE_LENGTH, GRANT_VERSION, grantSigningMessage, malformed } from "./grant.ts";
import type { GrantPurpose, KeyGrant } from "./grant.ts";
import { KeyError } from "./key-error.ts";
import { requireKey } from "./key-pairs.ts";

/** Well above the largest v1 token (about 1,330 characters); longer input is refused before decoding. */
export const MAX_GRANT_TOKEN_LENGTH = 2048;

export interface VerifyGrantOptions {
  /** The control plane's Ed25519 public key, from the agent's configuration. */
  publicKey: KeyObject;
  /** This VM's id: a grant for any other VM is refused. */
  vmId: string;
  /** When given, a grant for any other snapshot is refused. */
  snapshotId?: string;
  /** When given, a grant issued for the other purpose is refused. */
  purpose?: GrantPurpose;
  now: Date;
}

/** The grant in `token` if signed by `publicKey`, for this VM (and snapshot/purpose) and unexpired; else KeyError. */
export function verifyGrant(token: string, options: VerifyGrantOptions): KeyGrant {
  const { publicKey, vmId, snapshotId, purpose, now } = options;
  requireKey(publicKey, "public", "ed25519", "the control plane's public key");
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new KeyError("E_KEY_INPUT", "verifyGrant needs `now` as a valid Date");
  }
  const { payload, signature } = splitToken(token);
  if (payload[0] !== GRANT_VERSION) {
    throw new KeyError(
      "E_GRANT_VERSION",
      `the grant has version ${payload[0]}, this agent knows version ${GRANT_VERSION} — upgrade the agent`,
    );
  }
  if (!verify(null, grantSigningMessage(payload), publicKey, signature)) {
    throw new KeyError(
      "E_GRANT_SIGNATURE",
      "the grant's signature does not verify: it was altered, or signed by another control plane — check the " +
        "control-plane public key in the agent's configuration, and do not use this grant",
    );
  }
  const grant = decodeGrantPayload(payload);
  if (grant.vmId !== vmId) {
    throw new KeyError(
      "E_GRANT_WRONG_VM",
      `the grant is for VM "${grant.vmId}", not this VM ("${vmId}") — refuse it and report it: the control plane ` +
        "sent another VM's grant",
    );
  }
  if (snapshotId !== undefined && grant.snapshotId !== snapshotId) {
    throw new KeyError(
      "E_GRANT_WRONG_SNAPSHOT",
      `the grant is for snapshot "${grant.snapshotId}", not "${snapshotId}" — ask the control plane for a grant ` +
        "for this snapshot",
    );
  }
  if (purpose !== undefined && grant.purpose !== purpose) {
    throw new KeyError(
      "E_GRANT_WRONG_PURPOSE",
      `the grant was issued for ${grant.purpose}, not ${purpose} — ask the control plane for a ${purpose} grant`,
    );
  }
  // No skew allowance: the control plane picks a lifetime that covers it, and a grant that expires at t
  // is already refused at t, so "valid" and "expired" never overlap.
  if (now.getTime() >= grant.expiresAt) {
    throw new KeyError(
      "E_GRANT_EXPIRED",
      `the grant expired at ${new Date(grant.expiresAt).toISOString()} (now ${now.toISOString()}) — ask the ` +
        "control plane for a new grant; if this keeps happening, check the VM's clock (NTP)",
    );
  }
  return grant;
}

function splitToken(token: string): { payload: Uint8Array; signature: Uint8Array } {
  if (typeof token !== "string") throw malformed("it is not a string");
  if (token.length > MAX_GRANT_TOKEN_LENGTH) throw malformed(`it is longer than ${MAX_GRANT_TOKEN_LENGTH} characters`);
  const parts = token.split(".");
  if (parts.length !== 2) throw malformed('it is not two base64url parts joined by "."');
  const payload = fromBase64url(parts[0]!);
  const signature = fromBase64url(parts[1]!);
  if (payload === undefined || signature === undefined) throw malformed("a part is not unpadded base64url");
  if (payload.length === 0) throw malformed("the payload is empty");
  if (signature.length !== GRANT_SIGNATURE_LENGTH) {
    throw malformed(`the signature is ${signature.length} bytes, not ${GRANT_SIGNATURE_LENGTH}`);
  }
  return { payload, signature };
}

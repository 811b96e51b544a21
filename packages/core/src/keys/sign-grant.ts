// Control-plane side of a grant: the signature is what lets an agent trust a data key that arrived over a
// channel it does not otherwise authenticate, so nothing is signed that the verifier would refuse to read.
import { sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { toBase64url } from "./encoding.ts";
import { encodeGrantPayload, grantSigningMessage } from "./grant.ts";
import type { KeyGrant } from "./grant.ts";
import { requireKey } from "./key-pairs.ts";

/** Signs `grant` with the control plane's Ed25519 private key; returns `base64url(payload) "." base64url(signature)`. */
export function signGrant(grant: KeyGrant, signingKey: KeyObject): string {
  requireKey(signingKey, "private", "ed25519", "the grant signing key");
  const payload = encodeGrantPayload(grant);
  const signature = sign(null, grantSigningMessage(payload), signingKey);
  return `${toBase64url(payload)}.${toBase64url(signature)}`;
}

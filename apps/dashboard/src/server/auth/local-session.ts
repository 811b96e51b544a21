// Sessions the local stack issues itself: an HS256 JWT with the claims Supabase Auth puts in its
// access tokens (sub, email, role, aud, session_id, aal), so everything downstream of sign-in (the RLS
// helper, tickets bound to a session) behaves as in production. Only reachable when the build profile
// is "local" and NACRE_AUTH_MODE=local (config.ts refuses the combination in a production build).
import "server-only";
import { randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import type { VerifiedSession } from "@nacre/db";

export const LOCAL_SESSION_COOKIE = "nacre-session";
/** A working day; the local stack has no refresh tokens. */
export const LOCAL_SESSION_SECONDS = 8 * 60 * 60;
const ISSUER = "nacre-local-auth";

/** Signs a session for a user the caller has looked up in auth.users. */
export async function issueLocalSession(secret: string, user: { id: string; email: string }, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ email: user.email, role: "authenticated", session_id: randomUUID(), aal: "aal1" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience("authenticated")
    .setSubject(user.id)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + LOCAL_SESSION_SECONDS)
    .sign(new TextEncoder().encode(secret));
}

/** The verified session in a locally issued token, or null for a missing, forged or expired one. */
export async function verifyLocalSession(secret: string, token: string | undefined): Promise<VerifiedSession | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"], issuer: ISSUER, audience: "authenticated",
    });
    if (typeof payload.sub !== "string" || typeof payload["session_id"] !== "string") return null;
    return {
      userId: payload.sub,
      ...(typeof payload["email"] === "string" ? { email: payload["email"] } : {}),
      extraClaims: { session_id: payload["session_id"], aal: payload["aal"] },
    };
  } catch {
    return null;
  }
}

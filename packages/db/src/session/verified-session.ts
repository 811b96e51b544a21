// What the database needs to know about a signed-in user. Only code that has verified the session's
// token (the dashboard's auth layer) should construct one; the RLS helper trusts it completely.

export interface VerifiedSession {
  /** auth.users.id, the `sub` claim: the key every RLS policy compares with. */
  userId: string;
  email?: string;
  /** Extra claims to expose through auth.jwt(), as PostgREST would (e.g. `session_id`, `aal`). */
  extraClaims?: Record<string, unknown>;
}

/** The claims PostgREST would place in `request.jwt.claims` for this session. */
export function sessionClaims(session: VerifiedSession): Record<string, unknown> {
  return {
    ...session.extraClaims,
    sub: session.userId,
    role: "authenticated",
    aud: "authenticated",
    ...(session.email === undefined ? {} : { email: session.email }),
  };
}

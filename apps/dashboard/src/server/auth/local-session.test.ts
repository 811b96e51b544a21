import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { issueLocalSession, LOCAL_SESSION_SECONDS, verifyLocalSession } from "./local-session.ts";

const secret = "a-local-secret-of-at-least-32-characters!";
const alice = { id: "11111111-1111-4111-8111-111111111111", email: "alice@example.com" };

describe("the local stack's sessions", () => {
  it("carry Supabase's claims, so the RLS helper sees the same user as in production", async () => {
    const session = await verifyLocalSession(secret, await issueLocalSession(secret, alice));
    expect(session).toMatchObject({ userId: alice.id, email: alice.email, extraClaims: { aal: "aal1" } });
    expect(session?.extraClaims?.["session_id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuse a token signed with another secret, an expired one, one for another audience, and none", async () => {
    expect(await verifyLocalSession(secret, await issueLocalSession("another-secret-of-at-least-32-chars!!", alice))).toBeNull();
    const longAgo = new Date(Date.now() - (LOCAL_SESSION_SECONDS + 60) * 1000);
    expect(await verifyLocalSession(secret, await issueLocalSession(secret, alice, longAgo))).toBeNull();
    const anon = await new SignJWT({ session_id: "x" }).setProtectedHeader({ alg: "HS256" }).setIssuer("nacre-local-auth")
      .setAudience("anon").setSubject(alice.id).setExpirationTime("1h").sign(new TextEncoder().encode(secret));
    expect(await verifyLocalSession(secret, anon)).toBeNull();
    expect(await verifyLocalSession(secret, undefined)).toBeNull();
    expect(await verifyLocalSession(secret, "not.a.jwt")).toBeNull();
  });
});

// Sessions from Supabase Auth (production): @supabase/ssr keeps them in cookies and refreshes them;
// getClaims() verifies the access token (against the project's signing keys) before anything here
// trusts its subject. Not exercised by the local test suite, which has no GoTrue to talk to.
import "server-only";
import { createServerClient } from "@supabase/ssr";
import type { VerifiedSession } from "@nacre/db";

export interface CookieJar {
  getAll(): { name: string; value: string }[];
  set(name: string, value: string, options: Record<string, unknown>): void;
}

/** A server-side Supabase client bound to this request's cookies. */
export function supabaseForRequest(url: string, anonKey: string, jar: CookieJar, secure: boolean) {
  return createServerClient(url, anonKey, {
    cookieOptions: { sameSite: "lax", secure, httpOnly: true, path: "/" },
    cookies: {
      getAll: () => jar.getAll(),
      setAll: (cookies) => {
        // Server components may not set cookies; the next route handler or sign-in refreshes them.
        try {
          for (const { name, value, options } of cookies) jar.set(name, value, options);
        } catch { /* read-only cookie store */ }
      },
    },
  });
}

/** The verified session of this request's Supabase cookies, or null. */
export async function verifySupabaseSession(client: ReturnType<typeof supabaseForRequest>): Promise<VerifiedSession | null> {
  const { data, error } = await client.auth.getClaims();
  if (error || !data?.claims?.sub) return null;
  const claims = data.claims as Record<string, unknown>;
  return {
    userId: String(claims["sub"]),
    ...(typeof claims["email"] === "string" ? { email: claims["email"] } : {}),
    extraClaims: { session_id: claims["session_id"], aal: claims["aal"] },
  };
}

// Who is asking: the verified session of this request and whether the user is a customer or support.
// Pages call requireCustomer / requireSupport; route handlers call currentUser and answer 401 or 404.
import "server-only";
import { cache } from "react";
import { cookies } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { withUserSession } from "@nacre/db";
import type { VerifiedSession } from "@nacre/db";
import { services } from "../services.ts";
import { LOCAL_SESSION_COOKIE, verifyLocalSession } from "./local-session.ts";
import { supabaseForRequest, verifySupabaseSession } from "./supabase-session.ts";

export interface DashboardUser {
  session: VerifiedSession;
  userId: string;
  email: string;
  role: "customer" | "support";
}

/** This request's user, or null when nobody (validly) signed in. Memoised per request. */
export const currentUser = cache(async (): Promise<DashboardUser | null> => {
  const { config, sql } = services();
  const jar = await cookies();
  let session: VerifiedSession | null;
  if (config.NACRE_AUTH_MODE === "local") {
    session = await verifyLocalSession(config.NACRE_SESSION_SECRET!, jar.get(LOCAL_SESSION_COOKIE)?.value);
  } else {
    const client = supabaseForRequest(config.SUPABASE_URL!, config.SUPABASE_ANON_KEY!, jar, config.NACRE_DASHBOARD_ORIGIN.startsWith("https:"));
    session = await verifySupabaseSession(client);
  }
  if (!session) return null;
  const verified = session;
  // Through RLS: a user sees their own support_staff row (if any) and their own customers row.
  const row = await withUserSession(sql, verified, async (tx) => {
    const [r] = await tx`select
        exists (select 1 from public.support_staff s where s.user_id = auth.uid() and s.disabled_at is null) as support,
        (select c.email from public.customers c where c.id = auth.uid()) as email`;
    return r;
  });
  const support = row?.["support"] === true;
  const email = (row?.["email"] as string | null) ?? verified.email ?? "";
  if (!support && row?.["email"] == null) return null; // neither a customer nor active support
  return { session: verified, userId: verified.userId, email, role: support ? "support" : "customer" };
});

/** The signed-in customer; support goes to its console, strangers to sign-in. */
export async function requireCustomer(): Promise<DashboardUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  if (user.role === "support") redirect("/support");
  return user;
}

/** The signed-in support engineer; anyone else gets the same 404 as a page that does not exist. */
export async function requireSupport(): Promise<DashboardUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  if (user.role !== "support") notFound();
  return user;
}

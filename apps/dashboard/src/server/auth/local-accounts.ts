// The accounts the local sign-in offers: every auth.users row of the local database (the seed's
// customers and support engineer, plus any the tests create). Read with the connection's own role,
// standing in for GoTrue (which owns auth.users; neither `authenticated` nor `service_role` may read
// it), because a signed-out visitor has no session yet. Only used when the local sign-in is enabled.
import "server-only";
import { services } from "../services.ts";

export interface LocalAccount {
  id: string;
  email: string;
  role: "customer" | "support";
}

/** True only for a "local" build running with NACRE_AUTH_MODE=local (config.ts refuses other mixes). */
export function localSignInEnabled(): boolean {
  return services().config.NACRE_AUTH_MODE === "local";
}

/** The accounts to offer, customers first. */
export async function listLocalAccounts(): Promise<LocalAccount[]> {
  const rows = await services().sql`select u.id, u.email,
      exists (select 1 from public.support_staff s where s.user_id = u.id and s.disabled_at is null) as support
    from auth.users u where u.email is not null order by support, u.email limit 50`;
  return rows.map((r) => ({ id: r["id"] as string, email: r["email"] as string, role: r["support"] ? "support" : "customer" }));
}

/** One account by id, or undefined. */
export async function findLocalAccount(id: string): Promise<LocalAccount | undefined> {
  return (await listLocalAccounts()).find((account) => account.id === id);
}

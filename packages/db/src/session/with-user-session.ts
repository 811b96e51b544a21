// Runs dashboard queries the way PostgREST runs API requests: inside one transaction that switches to
// the `authenticated` role and publishes the session's claims, so auth.uid() is the signed-in user
// and row-level security filters every statement. A query that forgets its `where customer_id = …`
// still cannot see another tenant's rows. Both settings are transaction-local (set_config(…, true)),
// so a pooled connection goes back to the pool with neither.
import type { Sql, TransactionSql } from "../connect.ts";
import { sessionClaims } from "./verified-session.ts";
import type { VerifiedSession } from "./verified-session.ts";

/** Runs `work` in a transaction as `authenticated` with the session's JWT claims (RLS applies). */
export async function withUserSession<T>(
  sql: Sql,
  session: VerifiedSession,
  work: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  const claims = JSON.stringify(sessionClaims(session));
  const result = await sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
    return work(tx);
  });
  return result as T;
}

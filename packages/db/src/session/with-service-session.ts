// The workers' and the gateway's way in: a transaction as `service_role`, which bypasses row-level
// security (as on Supabase) and is the only role allowed to derive customer keys. Switching roles
// even though the pool may log in as a superuser keeps local behaviour equal to production's:
// anything the service role is not granted fails here too.
import type { Sql, TransactionSql } from "../connect.ts";

/** Runs `work` in a transaction as `service_role`. */
export async function withServiceSession<T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>): Promise<T> {
  const claims = JSON.stringify({ role: "service_role" });
  const result = await sql.begin(async (tx) => {
    await tx`select set_config('role', 'service_role', true), set_config('request.jwt.claims', ${claims}, true)`;
    return work(tx);
  });
  return result as T;
}

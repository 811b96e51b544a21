// One way to open a Postgres connection pool for the control plane, so every app gets the same
// defaults: a bounded pool, an application name visible in pg_stat_activity, and server notices
// kept out of the logs (migrations emit "already exists, skipping" notices by design).
import postgres from "postgres";

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface ConnectOptions {
  /** Shown in pg_stat_activity, so an operator can tell the workers from the gateway. */
  applicationName: string;
  /** Pool size; the default suits a single process on a small machine. */
  max?: number;
}

/** Opens a connection pool; call `sql.end()` to close it. */
export function connect(url: string, options: ConnectOptions): Sql {
  return postgres(url, {
    max: options.max ?? 5,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}

// The bench's database: a fresh migrated one on the running server (dropped at the end), filled with
// the fleet in a few bulk statements instead of N enrollments, and the queries that read heartbeat
// ingest back out of it. What the bench reports about heartbeats is what Postgres wrote, not what the
// gateway received.
import type { Sql } from "@nacre/db";
import type { SimIdentity } from "./fleet-ipc.ts";

/**
 * One customer (and auth user) per VM, each VM active with its agent enrolled: the public keys go
 * straight into vms.agent_identity_key/agent_sealing_key, as enrollAgent would leave them.
 */
export async function insertFleet(sql: Sql, identities: SimIdentity[]): Promise<void> {
  const ids = identities.map((i) => i.vmId);
  await sql.begin(async (tx) => {
    // The customer id is the VM id: unique, and it keeps the three statements free of a join.
    await tx`insert into auth.users (id, email) select id, id::text || '@fleet.bench.local' from unnest(${ids}::uuid[]) as t(id)`;
    await tx`insert into public.customers (id, email) select id, id::text || '@fleet.bench.local' from unnest(${ids}::uuid[]) as t(id)`;
    await tx`insert into public.vms (id, customer_id, hostname, region, status, agent_identity_key, agent_sealing_key, agent_enrolled_at)
      select t.id, t.id, 'fleet-' || t.id::text || '.bench.local', (array['SG', 'US', 'EU']::public.region[])[1 + (t.n::int - 1) % 3],
        'active', decode(t.identity, 'hex'), decode(t.sealing, 'hex'), now()
      from unnest(${ids}::uuid[], ${identities.map((i) => i.identityKey)}::text[], ${identities.map((i) => i.sealingKey)}::text[])
        with ordinality as t(id, identity, sealing, n)`;
  });
}

/**
 * Logs every heartbeat write: a statement-level trigger on public.vms records, per UPDATE statement
 * (one gateway flush), how many rows got a new last_heartbeat_at and the oldest and newest receive
 * time among them. One small insert per flush, in the bench's own throwaway database; it counts rows
 * Postgres wrote, and how long the oldest beat of each batch waited in the gateway's buffer.
 */
export async function installHeartbeatWriteLog(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create schema bench;
    create table bench.heartbeat_writes (
      written_at timestamptz not null default clock_timestamp(),
      rows integer not null,
      oldest_beat timestamptz not null,
      newest_beat timestamptz not null
    );
    -- security definer: the gateway writes as service_role, which has no business in schema bench.
    create function bench.log_heartbeat_writes() returns trigger
    language plpgsql security definer set search_path = '' as $$
    begin
      insert into bench.heartbeat_writes (rows, oldest_beat, newest_beat)
        select count(*), min(n.last_heartbeat_at), max(n.last_heartbeat_at)
        from new_rows n join old_rows o on o.id = n.id
        where n.last_heartbeat_at is distinct from o.last_heartbeat_at
        having count(*) > 0;
      return null;
    end $$;
    create trigger bench_log_heartbeat_writes after update on public.vms
      referencing old table as old_rows new table as new_rows
      for each statement execute function bench.log_heartbeat_writes();
  `);
}

export interface HeartbeatWrites {
  rows: number;
  flushes: number;
  /** The longest any beat written in the window waited between the gateway receiving it and Postgres writing it. */
  maxWaitMs: number;
  /** The same, 99th percentile over the flushes. */
  p99WaitMs: number;
}

/** Heartbeat rows written in [from, to), from the write log. */
export async function heartbeatWritesBetween(sql: Sql, from: Date, to: Date): Promise<HeartbeatWrites> {
  const [row] = await sql`select coalesce(sum(rows), 0)::int as rows, count(*)::int as flushes,
      coalesce(max(extract(epoch from written_at - oldest_beat)) * 1000, 0)::float8 as max_wait,
      coalesce(percentile_disc(0.99) within group (order by extract(epoch from written_at - oldest_beat)) * 1000, 0)::float8 as p99_wait
    from bench.heartbeat_writes where written_at >= ${from} and written_at < ${to}`;
  return { rows: row?.["rows"] as number, flushes: row?.["flushes"] as number, maxWaitMs: row?.["max_wait"] as number, p99WaitMs: row?.["p99_wait"] as number };
}

/** Connected VMs whose row has no heartbeat newer than `since`: the backlog, as the dashboard would see it. */
export async function staleHeartbeats(sql: Sql, vmIds: string[], since: Date): Promise<number> {
  const [row] = await sql`select count(*)::int as n from public.vms
    where id = any(${vmIds}::uuid[]) and (last_heartbeat_at is null or last_heartbeat_at < ${since})`;
  return row?.["n"] as number;
}

// Appending to the audit log from the control plane (workers, dashboard server code). The log is
// append-only for everyone (a trigger refuses UPDATE and DELETE), so an entry written inside a
// transaction that commits is there for good, and one written in a transaction that rolls back
// never existed: write it in the same transaction as the change it describes.
import type postgres from "postgres";
import type { TransactionSql } from "../connect.ts";

export interface AuditEntry {
  /** Dotted: `export.requested`, `vm.final-backup`, `customer.purged`. */
  action: string;
  actorKind: "customer" | "support" | "service" | "system";
  actorId?: string;
  customerId?: string;
  vmId?: string;
  snapshotId?: string;
  details?: Record<string, unknown>;
}

// The driver serialises a json parameter itself: passing JSON.stringify(...) with a ::jsonb cast stored
// a JSON *string* (`"{\"a\":1}"`), which no `details->>'key'` query could read.
function toJson(details: Record<string, unknown>): postgres.JSONValue {
  return JSON.parse(JSON.stringify(details)) as postgres.JSONValue;
}

/** Appends one entry; returns its id. */
export async function appendAudit(tx: TransactionSql, entry: AuditEntry): Promise<number> {
  const [row] = await tx`insert into public.audit_log (actor_id, actor_kind, action, customer_id, vm_id, snapshot_id, details)
    values (${entry.actorId ?? null}, ${entry.actorKind}, ${entry.action}, ${entry.customerId ?? null}, ${entry.vmId ?? null},
            ${entry.snapshotId ?? null}, ${tx.json(toJson(entry.details ?? {}))})
    returning id`;
  return Number(row?.["id"]);
}

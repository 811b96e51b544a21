// "Export now", the request half: what POST /api/dashboard/vm/export-data calls with the verified
// session. Ownership is checked through withUserSession, so row-level security decides: another
// customer's VM is simply not found (never "forbidden", which would confirm it exists). The exports
// row is written by the service role (customers cannot insert it), and the database's
// exports_one_in_flight index, not a check-then-insert, refuses a second export in flight.
import type { Redis } from "ioredis";
import { appendAudit, ExportInFlightError, openExport, recordExportFailed, withServiceSession, withUserSession } from "@nacre/db";
import type { Sql, VerifiedSession } from "@nacre/db";
import { locateAgent } from "../agent-registry.ts";

/** An agent whose last heartbeat is older than this is offline (heartbeats come every 30 s). */
export const AGENT_ONLINE_WINDOW_MS = 90_000;

export type ExportRequestErrorCode = "E_VM_NOT_FOUND" | "E_VM_DELETED" | "E_AGENT_OFFLINE" | "E_EXPORT_IN_FLIGHT" | "E_EXPORT_NOT_QUEUED";

const WORDS: Record<ExportRequestErrorCode, string> = {
  E_VM_NOT_FOUND: "this server was not found in your account",
  E_VM_DELETED: "this server has been deleted, so it cannot be exported; its final backup is kept for 90 days — contact support to get it",
  E_AGENT_OFFLINE: "the backup agent on your server is not connected; check that your server is running and online, then try again",
  E_EXPORT_IN_FLIGHT: "an export of this server is already under way; you will get its email shortly",
  E_EXPORT_NOT_QUEUED: "the export could not be started because of a problem on our side; please try again in a few minutes",
};

/** A refusal the dashboard shows as is: a stable code and a sentence that says what to do. */
export class ExportRequestError extends Error {
  override readonly name = "ExportRequestError";
  readonly code: ExportRequestErrorCode;
  /** The sentence for the customer, without the code. */
  readonly words: string;
  constructor(code: ExportRequestErrorCode, options?: ErrorOptions) {
    super(`${code}: ${WORDS[code]}`, options);
    this.code = code;
    this.words = WORDS[code];
  }
}

export interface RequestExportDeps {
  sql: Sql;
  /** The agent registry's Redis (which gateway holds which agent). */
  redis: Redis;
  /** Queues export.now under the export's id (@nacre/jobs' lifecycleQueue provides it). */
  queue: { enqueueExport(exportId: string): Promise<void> };
  now: () => Date;
}

export interface ExportRequested {
  exportId: string;
  vmId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opens an export of the session owner's VM and queues export.now; throws ExportRequestError when refused. */
export async function requestExport(deps: RequestExportDeps, session: VerifiedSession, vmId: string): Promise<ExportRequested> {
  if (!UUID.test(vmId)) throw new ExportRequestError("E_VM_NOT_FOUND");
  const vm = await withUserSession(deps.sql, session, async (tx) => {
    const [row] = await tx`select v.id, v.customer_id, v.status::text as status, v.last_heartbeat_at, c.email
      from public.vms v join public.customers c on c.id = v.customer_id where v.id = ${vmId}`;
    return row;
  });
  // Support staff read every VM through RLS; only the owner may export it.
  if (!vm || vm["customer_id"] !== session.userId) throw new ExportRequestError("E_VM_NOT_FOUND");
  if (vm["status"] === "deleting" || vm["status"] === "deleted") throw new ExportRequestError("E_VM_DELETED");

  const now = deps.now();
  const heartbeat = vm["last_heartbeat_at"] as Date | null;
  const online = heartbeat !== null && now.getTime() - heartbeat.getTime() <= AGENT_ONLINE_WINDOW_MS;
  if (!online || (await locateAgent(deps.redis, vmId)) === undefined) throw new ExportRequestError("E_AGENT_OFFLINE");

  let exportId: string;
  try {
    exportId = await withServiceSession(deps.sql, async (tx) => {
      const id = await openExport(tx, { vmId, customerId: session.userId, requestedBy: session.userId, emailTo: vm["email"] as string });
      await appendAudit(tx, { action: "export.requested", actorKind: "customer", actorId: session.userId, customerId: session.userId, vmId, details: { exportId: id } });
      return id;
    });
  } catch (error) {
    if (error instanceof ExportInFlightError) throw new ExportRequestError("E_EXPORT_IN_FLIGHT", { cause: error });
    throw error;
  }
  try {
    await deps.queue.enqueueExport(exportId);
  } catch (error) {
    // Otherwise the row would sit 'queued' and block every later export of this VM.
    await withServiceSession(deps.sql, (tx) => recordExportFailed(tx, exportId, WORDS.E_EXPORT_NOT_QUEUED, deps.now()));
    throw new ExportRequestError("E_EXPORT_NOT_QUEUED", { cause: error });
  }
  return { exportId, vmId };
}

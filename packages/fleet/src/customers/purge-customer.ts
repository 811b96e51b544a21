// The day-90 purge: every object of the customer in every region, then the snapshot rows, then the
// key. Each step is safe to repeat and the plan only becomes 'purged' in the last transaction, so a
// run that dies anywhere (or an object store that fails halfway) is finished by the next run:
//
//   1. refuse unless the customer is still cancelled and the purge date has passed
//   2. mark every snapshot row 'deleting' (gone from the dashboard) and abort open uploads
//   3. delete every object under "<customerId>/" in each region's bucket (deleting a missing object succeeds)
//   4. list again in each bucket: anything left fails the run (E_PURGE_INCOMPLETE) and it is retried
//   5. one transaction: delete the snapshot rows, destroy the key salt, mark the customer purged, audit
//
// Object keys start with the customer id (startSnapshot names them `<customer>/<vm>/<time>-<kind>.nacre`),
// so the prefix finds objects even if a row was lost.
import { appendAudit, deleteCustomerSnapshotRows, destroyCustomerKey, findCustomerPlan, listOpenUploads, markCustomerPurged,
  markCustomerSnapshotsDeleting, markUploadAborted, withServiceSession } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";

export type PurgeOutcome =
  | { outcome: "purged"; objectsDeleted: number; snapshotRows: number }
  | { outcome: "already-purged" }
  | { outcome: "refused"; reason: "customer-unknown" | "not-cancelled" | "not-due" };

/** Thrown when objects are still listed after deleting them; the job retries. */
export class PurgeIncompleteError extends Error {
  override readonly name = "PurgeIncompleteError";
  readonly code = "E_PURGE_INCOMPLETE";
  constructor(customerId: string, left: { bucket: string; key: string }[]) {
    super(`E_PURGE_INCOMPLETE: ${left.length} object(s) of customer ${customerId} still listed after deletion (first: ${left[0]?.bucket}/${left[0]?.key}); the purge is retried`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Purges a cancelled customer whose purge date has passed at cp.now(); idempotent and resumable. */
export async function purgeCustomer(cp: ControlPlane, customerId: string): Promise<PurgeOutcome> {
  // The prefix must be exactly one customer's: an empty or odd one would reach other customers' objects.
  if (!UUID.test(customerId)) throw new RangeError(`purgeCustomer: ${customerId} is not a lower-case uuid`);
  const now = cp.now();
  const refusal = await withServiceSession(cp.sql, async (tx) => {
    const plan = await findCustomerPlan(tx, customerId);
    if (!plan) return { outcome: "refused", reason: "customer-unknown" } as const;
    if (plan.planState === "purged") return { outcome: "already-purged" } as const;
    if (plan.planState !== "cancelled" || !plan.purgeAt) return { outcome: "refused", reason: "not-cancelled" } as const;
    if (plan.purgeAt.getTime() > now.getTime()) return { outcome: "refused", reason: "not-due" } as const;
    await markCustomerSnapshotsDeleting(tx, customerId);
    await appendAudit(tx, { action: "customer.purge-started", actorKind: "system", customerId, details: { purgeAt: plan.purgeAt.toISOString() } });
    return undefined;
  });
  if (refusal) return refusal;

  for (const upload of await withServiceSession(cp.sql, (tx) => listOpenUploads(tx, customerId))) {
    await cp.signer.abortMultipartUpload(upload.bucket, upload.objectKey, upload.uploadId);
    await withServiceSession(cp.sql, (tx) => markUploadAborted(tx, upload.id, now, "the customer was purged"));
  }

  const prefix = `${customerId}/`;
  const buckets = [...new Set(Object.values(cp.buckets))];
  let objectsDeleted = 0;
  for (const bucket of buckets) {
    for (const key of await collect(cp.signer.listKeys(bucket, prefix))) {
      await cp.signer.deleteObject(bucket, key);
      objectsDeleted++;
    }
  }
  const left: { bucket: string; key: string }[] = [];
  for (const bucket of buckets) for (const key of await collect(cp.signer.listKeys(bucket, prefix))) left.push({ bucket, key });
  if (left.length > 0) throw new PurgeIncompleteError(customerId, left);

  return withServiceSession(cp.sql, async (tx) => {
    const snapshotRows = await deleteCustomerSnapshotRows(tx, customerId);
    const keyDestroyed = await destroyCustomerKey(tx, customerId);
    if (!(await markCustomerPurged(tx, customerId, cp.now()))) {
      // Cannot happen while resubscription refuses once purge_at has passed; roll everything back if it does.
      throw new Error(`E_PURGE_RACE: customer ${customerId} stopped being cancelled during the purge; nothing was committed`);
    }
    await appendAudit(tx, {
      action: "customer.purged", actorKind: "system", customerId,
      details: { objectsDeleted, snapshotRows, keyDestroyed, buckets },
    });
    return { outcome: "purged", objectsDeleted, snapshotRows } as const;
  });
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

// The server's half of Decrypt locally: given a redeemed ticket and the header the browser read from
// the customer's file, prove the file is that snapshot (its header is byte for byte the stored
// object's header: same file salt, same wrapped key, same MAC), unwrap the data key with the
// customer's key, and write the audit entry. K_cust never leaves this process; the data key opens this
// one file and nothing else (every file has its own).
import "server-only";
import { timingSafeEqual } from "node:crypto";
import { unwrapDataKey } from "@nacre/core";
import { appendAudit, customerKeyById, CustomerKeyError, withServiceSession, withUserSession } from "@nacre/db";
import { fetchHeader } from "@nacre/fleet";
import type { VerifiedSession } from "@nacre/db";
import { MAX_HEADER_LENGTH, readSnapshotHeader, WebSnapshotError } from "@nacre/snapshot/web";
import { HttpError } from "../http/responses.ts";
import type { Services } from "../services.ts";

/** Longest header a v1 file can have; the browser sends no more than this. */
export const MAX_HEADER_BYTES = MAX_HEADER_LENGTH;

/** The data key of `snapshotId` for the session that holds its ticket; throws HttpError when refused. */
export async function unwrapForOwner(svc: Services, session: VerifiedSession, snapshotId: string, browserHeader: Uint8Array): Promise<Uint8Array> {
  // Through RLS again: the ticket was issued to this user, but the snapshot may have been deleted since.
  const snapshot = await withUserSession(svc.sql, session, async (tx) => {
    const [row] = await tx`select id, vm_id, customer_id, bucket, object_key, key_id from public.snapshots
      where id = ${snapshotId} and customer_id = ${session.userId} and status = 'completed'`;
    return row;
  });
  if (!snapshot) throw new HttpError(404, "E_SNAPSHOT_NOT_FOUND", "this snapshot is no longer in your account (it may have expired)");

  let header;
  try {
    header = readSnapshotHeader(browserHeader);
  } catch (error) {
    if (error instanceof WebSnapshotError) throw new HttpError(422, error.code, error.message);
    throw error;
  }
  const stored = await fetchStoredPrefix(svc, snapshot["bucket"] as string, snapshot["object_key"] as string, header.headerLength);
  const sent = browserHeader.subarray(0, header.headerLength);
  if (stored.byteLength !== sent.byteLength || !timingSafeEqual(stored, sent)) {
    throw new HttpError(422, "E_NOT_THIS_SNAPSHOT", "this file is not the snapshot you picked; pick the snapshot whose date matches the file's name");
  }
  if (header.keyId !== snapshot["key_id"]) {
    throw new HttpError(422, "E_SNAPSHOT_HEADER", "the file's key does not match its snapshot's record; contact support");
  }
  try {
    return await withServiceSession(svc.sql, async (tx) => {
      const kek = await customerKeyById(tx, header.keyId);
      const dataKey = unwrapDataKey(kek.key, header.wrappedKey);
      kek.key.fill(0);
      await appendAudit(tx, {
        action: "snapshot.decrypt-key", actorKind: "customer", actorId: session.userId, customerId: session.userId,
        vmId: snapshot["vm_id"] as string, snapshotId, details: { via: "dashboard decrypt locally" },
      });
      return dataKey;
    });
  } catch (error) {
    if (error instanceof CustomerKeyError) throw new HttpError(410, error.code, "the key for this snapshot no longer exists, so it cannot be decrypted");
    throw error;
  }
}

async function fetchStoredPrefix(svc: Services, bucket: string, objectKey: string, length: number): Promise<Uint8Array> {
  const url = await svc.controlPlane.signer.presignGetObject(bucket, objectKey, 60);
  try {
    return await fetchHeader(url, length);
  } catch {
    throw new HttpError(502, "E_SNAPSHOT_UNREADABLE", "the stored snapshot could not be read just now; try again in a minute");
  }
}

// The object-then-row half of deleting snapshots, shared by nightly retention and the holds sweep. The
// rows arrive already marked 'deleting'. The object goes first: a row deleted before its object would
// leave bytes nobody can find again. DeleteObject of a missing key succeeds, so finishing a deletion
// that a crashed run started is the same call as starting one.
import { deleteSnapshotRow, withServiceSession } from "@nacre/db";
import type { SnapshotRecord } from "@nacre/db";
import type { ControlPlane } from "../control-plane.ts";

export interface DeletionFailure {
  snapshotId: string;
  /** What the object store said; the row stays 'deleting' and the next run tries again. */
  message: string;
}

export interface DeletionOutcome {
  /** Snapshots whose object and row are gone. */
  deleted: string[];
  /** Snapshots whose object could not be deleted; their rows stay 'deleting'. */
  failed: DeletionFailure[];
}

/** Deletes each snapshot's object, then its row; a failed object delete leaves the row for the next run. */
export async function deleteSnapshots(cp: ControlPlane, snapshots: readonly SnapshotRecord[]): Promise<DeletionOutcome> {
  const outcome: DeletionOutcome = { deleted: [], failed: [] };
  for (const snapshot of snapshots) {
    try {
      await cp.signer.deleteObject(snapshot.bucket, snapshot.objectKey);
    } catch (error) {
      outcome.failed.push({ snapshotId: snapshot.id, message: (error as Error).message });
      continue;
    }
    // A database error here is not a "failed delete" to report and move past: it propagates, and the
    // row, still 'deleting', is finished by the next run.
    await withServiceSession(cp.sql, (tx) => deleteSnapshotRow(tx, snapshot.id));
    outcome.deleted.push(snapshot.id);
  }
  return outcome;
}

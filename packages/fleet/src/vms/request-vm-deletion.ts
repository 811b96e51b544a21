// Deleting a VM, the request half: the VM becomes 'deleting' (no more nightlies or exports) and its
// final backup is queued. The vm.final-backup job marks it ready to destroy once a final backup exists;
// provisioning destroys the machine only then (vms.deletion_ready_at).
import { appendAudit, markVmDeleting, withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";

export interface RequestVmDeletionDeps {
  sql: Sql;
  queue: { enqueueFinalBackup(vmId: string): Promise<void> };
}

/** Marks the VM deleting and queues its final backup; a repeated request re-queues the same job (same id). */
export async function requestVmDeletion(deps: RequestVmDeletionDeps, vmId: string, actor: { kind: "customer" | "support" | "system"; id?: string }): Promise<void> {
  await withServiceSession(deps.sql, async (tx) => {
    const [vm] = await tx`select customer_id from public.vms where id = ${vmId}`;
    if (!vm) throw new Error(`E_VM_UNKNOWN: VM ${vmId} does not exist`);
    if (await markVmDeleting(tx, vmId)) {
      await appendAudit(tx, { action: "vm.deletion-requested", actorKind: actor.kind, ...(actor.id ? { actorId: actor.id } : {}), customerId: vm["customer_id"] as string, vmId });
    }
  });
  await deps.queue.enqueueFinalBackup(vmId);
}

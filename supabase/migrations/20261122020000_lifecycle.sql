-- The lifecycle of a VM and of a customer beyond nightly backups (issue #5, docs/workers.md):
--
-- * VM deletion: the vm.final-backup job records which snapshot is the VM's final backup (a fresh
--   'final' snapshot, or the newest nightly held in its place when the agent could not be reached),
--   a note saying which of the two it is, and when the VM became ready to destroy. Provisioning
--   destroys the machine only once deletion_ready_at is set.
-- * Resubscribing within the 90 days: the restore onto the customer's fresh VM is support-operated
--   and comes with the restore path; until then the request is recorded on the customer's row.
--
-- Snapshot references are `on delete set null`: retention, the holds sweep and the purge delete
-- snapshot rows, and a VM or customer row must never block that.

alter table public.vms
  add column final_snapshot_id uuid references public.snapshots (id) on delete set null,
  add column final_note text,
  add column deletion_ready_at timestamptz;

alter table public.customers
  add column restore_requested_at timestamptz,
  add column restore_snapshot_id uuid references public.snapshots (id) on delete set null;

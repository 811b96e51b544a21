-- Restore onto a fresh VM after resubscribing (issue #5 §4, issue #7 §3, docs/restore.md): the wish
-- resubscribeCustomer records (restore_snapshot_id, restore_requested_at) is bound to the customer's
-- next freshly enrolled VM in the enrollment's own transaction, then carried out by the workers
-- (vm.initial-restore) through the restore path, and either fulfilled or given up — never dropped.
--
--   pending  restore_requested_at set, restore_failed_at null (restore_vm_id null until a VM enrolls)
--   failed   restore_failed_at + restore_error set: the automatic restore gave up; support decides
--   done     the wish columns cleared, restore_fulfilled_id names the restore (its VM and snapshot)

alter table public.customers
  -- The fresh VM the wish is bound to. The composite key makes it impossible to bind the wish to a VM
  -- of another customer, whatever the caller checked.
  add column restore_vm_id uuid,
  add column restore_failed_at timestamptz,
  add column restore_error text,
  add column restore_fulfilled_id uuid references public.restores (id) on delete set null,
  add constraint customers_restore_vm foreign key (restore_vm_id, id)
    references public.vms (id, customer_id) on delete set null (restore_vm_id),
  -- Likewise, the wish may only name one of the customer's own snapshots.
  add constraint customers_restore_snapshot_own foreign key (restore_snapshot_id, id)
    references public.snapshots (id, customer_id) on delete set null (restore_snapshot_id),
  add constraint customers_restore_wish check (
    (restore_vm_id is null or restore_requested_at is not null)
    and ((restore_failed_at is null) = (restore_error is null))
    and (restore_failed_at is null or restore_requested_at is not null)
  );

-- The workers' sweep: wishes bound to a VM and not given up.
create index customers_restore_bound on public.customers (restore_vm_id)
  where restore_vm_id is not null and restore_failed_at is null;

-- Support-operated restores (issue #7, docs/restore.md): one row per restore of one snapshot onto one
-- VM. The control plane writes every row (support starts a restore through packages/fleet's
-- runRestore, which runs as the service role and writes the audit log); the owner and support read
-- them. A restore may only restore a snapshot of the VM's own customer: the composite foreign keys
-- below make a cross-customer row impossible to record, whatever the caller checked.

create type public.restore_status as enum ('requested', 'running', 'succeeded', 'failed', 'rolled-back');

-- Lets restores prove that their (snapshot, customer) pair is real.
alter table public.snapshots add constraint snapshots_id_customer unique (id, customer_id);

create table public.restores (
  id uuid primary key default gen_random_uuid(),
  vm_id uuid not null,
  customer_id uuid not null,
  -- Kept when retention deletes the snapshot later: the row is history, and the audit log names it too.
  snapshot_id uuid,
  -- The support user (or, for a customer-initiated restore one day, the customer) who asked.
  requested_by uuid references auth.users (id),
  status public.restore_status not null default 'requested',
  -- The agent's last restore.progress step (preflight, pause, download, verify, swap, health, …).
  step text,
  error text,
  -- The pre-restore safety snapshot taken right before the restore was sent.
  safety_snapshot_id uuid references public.snapshots (id) on delete set null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete restrict,
  foreign key (snapshot_id, customer_id) references public.snapshots (id, customer_id) on delete set null (snapshot_id),
  constraint restores_finished_when_final check ((status in ('requested', 'running')) = (finished_at is null))
);
-- One restore in flight per VM, enforced by the database rather than by a race-prone check.
create unique index restores_one_in_flight on public.restores (vm_id) where status in ('requested', 'running');
create index restores_customer on public.restores (customer_id, created_at desc);

alter table public.restores enable row level security;
revoke all on table public.restores from public, anon, authenticated, service_role;
grant select on table public.restores to authenticated;
grant select, insert, update on table public.restores to service_role;

create policy restores_read on public.restores for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

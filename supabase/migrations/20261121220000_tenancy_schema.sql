-- The control plane's tables: who the customers are, their VMs, the snapshots of those VMs, every
-- backup night, every export, the support staff and the audit log. Row-level security and grants
-- are in the next migration; the key hierarchy in the one after.
--
-- Conventions: the control plane owns every row (customers only read, through RLS); ids are uuids;
-- times are timestamptz in UTC; tables that a customer reads carry `customer_id` so that each policy
-- is a plain comparison with auth.uid() and the dashboard's lists are index range scans.

create extension if not exists pgcrypto with schema extensions;

create type public.plan_state as enum ('active', 'cancelled', 'purged');
create type public.region as enum ('SG', 'US', 'EU');
create type public.vm_status as enum ('provisioning', 'active', 'deleting', 'deleted');
create type public.app_status as enum ('running', 'paused', 'stopped', 'unknown');
create type public.snapshot_kind as enum ('nightly', 'export', 'final', 'pre-restore');
-- pending: row made, upload not started; uploading: multipart open; completed: object checked and
-- listable; failed: aborted, no object; deleting/deleted: retention or purge removed the object.
create type public.snapshot_status as enum ('pending', 'uploading', 'completed', 'failed', 'deleting', 'deleted');
create type public.night_status as enum ('pending', 'running', 'retrying', 'succeeded', 'failed');
create type public.export_status as enum ('queued', 'running', 'emailed', 'failed');
create type public.staff_role as enum ('support', 'admin');
create type public.actor_kind as enum ('customer', 'support', 'service', 'system');

-- One customer per account: the id is the auth user's id, so auth.uid() is the tenant key.
create table public.customers (
  id uuid primary key references auth.users (id) on delete restrict,
  email text not null,
  plan_state public.plan_state not null default 'active',
  cancelled_at timestamptz,
  purge_at timestamptz,
  purged_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint customers_cancel_dates check (
    (plan_state = 'active' and cancelled_at is null and purge_at is null and purged_at is null)
    or (plan_state = 'cancelled' and cancelled_at is not null and purge_at is not null and purged_at is null)
    or (plan_state = 'purged' and purged_at is not null)
  )
);
-- The daily purge sweep: cancelled customers whose time has come.
create index customers_purge_due on public.customers (purge_at) where plan_state = 'cancelled';

create table public.vms (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references public.customers (id) on delete restrict,
  hostname text not null check (hostname ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$'),
  region public.region not null,
  status public.vm_status not null default 'provisioning',
  -- The enrolled agent's public keys (raw 32 bytes): Ed25519 to authenticate, X25519 to receive
  -- sealed data keys. Null until enrollment, and again after support revokes the identity.
  agent_identity_key bytea check (octet_length(agent_identity_key) = 32),
  agent_sealing_key bytea check (octet_length(agent_sealing_key) = 32),
  agent_enrolled_at timestamptz,
  agent_revoked_at timestamptz,
  -- The last heartbeat, as the agent reported it.
  last_heartbeat_at timestamptz,
  agent_version text,
  disk_free_bytes bigint check (disk_free_bytes >= 0),
  app_status public.app_status not null default 'unknown',
  last_backup_succeeded_at timestamptz,
  last_backup_error text,
  -- Set when two nights in a row failed (the dashboard banner); cleared by the next success.
  backup_alert_since date,
  backup_alert_emailed_at timestamptz,
  created_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint vms_agent_keys_together check ((agent_identity_key is null) = (agent_sealing_key is null)),
  -- Lets child tables prove that their (vm, customer) pair is real.
  unique (id, customer_id)
);
create unique index vms_hostname_live on public.vms (hostname) where status <> 'deleted';
create index vms_customer on public.vms (customer_id, created_at);
-- The nightly fan-out walks the active fleet in id order.
create index vms_active on public.vms (id) where status = 'active';

create table public.snapshots (
  id uuid primary key default gen_random_uuid(),
  vm_id uuid not null,
  customer_id uuid not null,
  kind public.snapshot_kind not null,
  status public.snapshot_status not null default 'pending',
  region public.region not null,
  bucket text not null,
  object_key text not null,
  size_bytes bigint check (size_bytes >= 0),
  -- SHA-256 of the ciphertext object, lower-case hex.
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  -- Which customer key wraps this snapshot's data key (see the key hierarchy migration).
  key_id text not null,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  -- Kinds with their own holds (final, export, pre-restore) are kept until this time.
  hold_until timestamptz,
  deleted_at timestamptz,
  error text,
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete restrict,
  unique (bucket, object_key),
  constraint snapshots_completed_facts check (
    status <> 'completed' or (size_bytes is not null and sha256 is not null and completed_at is not null)
  ),
  constraint snapshots_hold_only_for_held_kinds check (kind <> 'nightly' or hold_until is null)
);
-- The dashboard's "last 14 snapshots" (per customer and per VM) are range scans of these.
create index snapshots_customer_recent on public.snapshots (customer_id, created_at desc) where status = 'completed';
create index snapshots_vm_recent on public.snapshots (vm_id, created_at desc) where status = 'completed';
-- Retention per VM and kind, and the sweep of expired holds.
create index snapshots_vm_kind on public.snapshots (vm_id, kind, created_at desc);
create index snapshots_hold_expiry on public.snapshots (hold_until) where status = 'completed' and hold_until is not null;

-- One row per VM per UTC night: what the retry window did and what the banner reads.
create table public.backup_nights (
  vm_id uuid not null,
  customer_id uuid not null,
  night date not null,
  status public.night_status not null default 'pending',
  attempts integer not null default 0 check (attempts >= 0),
  last_error_code text,
  last_error text,
  snapshot_id uuid references public.snapshots (id) on delete set null,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (vm_id, night),
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete restrict
);
create index backup_nights_customer on public.backup_nights (customer_id, night desc);

create table public.exports (
  id uuid primary key default gen_random_uuid(),
  vm_id uuid not null,
  customer_id uuid not null,
  requested_by uuid not null references auth.users (id),
  status public.export_status not null default 'queued',
  snapshot_id uuid references public.snapshots (id) on delete set null,
  email_to text,
  link_expires_at timestamptz,
  email_sent_at timestamptz,
  email_id text,
  error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete restrict
);
-- "One export in flight per VM", enforced by the database rather than by a race-prone check.
create unique index exports_one_in_flight on public.exports (vm_id) where status in ('queued', 'running');
create index exports_customer on public.exports (customer_id, created_at desc);

create table public.support_staff (
  user_id uuid primary key references auth.users (id) on delete cascade,
  role public.staff_role not null default 'support',
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);

-- Append-only: a trigger (next migration) refuses UPDATE, DELETE and TRUNCATE for everyone.
create table public.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid,
  actor_kind public.actor_kind not null,
  action text not null check (action ~ '^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$'),
  customer_id uuid,
  vm_id uuid,
  snapshot_id uuid,
  details jsonb not null default '{}'::jsonb
);
create index audit_log_customer on public.audit_log (customer_id, at desc);
create index audit_log_at on public.audit_log (at desc);

-- The agent link: one-time enrollment tokens, the agent's announced capabilities, and in-flight
-- snapshot uploads. An upload lives in snapshot_uploads until the control plane has completed the
-- multipart upload and checked the object's size; only then does a row appear in snapshots. So a
-- snapshot whose agent dies mid-upload leaves no snapshot row, and nothing half-written is listed.

-- Provisioning hands a VM a one-time token; only its SHA-256 is stored, so a database dump cannot enroll.
create table public.enrollment_tokens (
  id uuid primary key default gen_random_uuid(),
  vm_id uuid not null,
  customer_id uuid not null,
  token_sha256 bytea not null unique check (octet_length(token_sha256) = 32),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete cascade
);
create index enrollment_tokens_vm on public.enrollment_tokens (vm_id, created_at desc);

alter table public.vms
  add column agent_capabilities text[] not null default '{}',
  add column agent_last_seen_gateway text;

create type public.upload_status as enum ('uploading', 'completed', 'failed', 'aborted');

create table public.snapshot_uploads (
  -- Becomes the snapshot's id when the upload completes.
  id uuid primary key default gen_random_uuid(),
  vm_id uuid not null,
  customer_id uuid not null,
  kind public.snapshot_kind not null,
  region public.region not null,
  bucket text not null,
  object_key text not null,
  key_id text not null,
  upload_id text not null,
  part_size bigint not null check (part_size > 0),
  status public.upload_status not null default 'uploading',
  -- The agent's report, kept so a repeated snapshot.start or snapshot.done gets the same answer.
  size_bytes bigint check (size_bytes >= 0),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  parts_count integer check (parts_count > 0),
  error_code text,
  error text,
  hold_until timestamptz,
  created_at timestamptz not null default now(),
  -- After this, an upload still in flight is aborted by the sweeper (the grant has expired too).
  expires_at timestamptz not null,
  finished_at timestamptz,
  foreign key (vm_id, customer_id) references public.vms (id, customer_id) on delete restrict,
  unique (bucket, object_key)
);
-- The sweeper's scan, and "is this VM already snapshotting?".
create index snapshot_uploads_open on public.snapshot_uploads (expires_at) where status = 'uploading';
create unique index snapshot_uploads_one_per_vm on public.snapshot_uploads (vm_id) where status = 'uploading';

-- Control-plane tables: RLS on, and no grants to anon or authenticated at all.
do $$
declare
  t text;
begin
  foreach t in array array['enrollment_tokens', 'snapshot_uploads']
  loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on table public.%I from public, anon, authenticated', t);
    execute format('grant select, insert, update, delete on table public.%I to service_role', t);
  end loop;
end
$$;

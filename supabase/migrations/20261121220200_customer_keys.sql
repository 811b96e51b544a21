-- The key hierarchy (docs/data-model.md, "Keys"):
--
--   K_cust = HMAC-SHA256(key = platform_secret_v, message = user_id (16 bytes) ‖ customer_salt (32 bytes))
--
-- platform_secret_v (32 random bytes per version) and each customer's customer_salt (32 random bytes)
-- live in Vault, hex-encoded. Both are generated inside the database, and only the SECURITY DEFINER
-- functions below read them: no application code, and no human, ever sees platform_secret.
-- The service role may derive a customer key; nobody else may. Deleting the salt (at purge) makes
-- every derivation for that customer fail for good, which is what makes the purge final.
--
-- A key id names one derivation: '<customer uuid>:v<version>'. Each snapshot header and row carries
-- the key id its data key was wrapped under, so rotating to a new platform secret version changes
-- only what new snapshots use; old ones still unwrap under the version they name.

create table private.platform_secret_versions (
  version integer primary key check (version > 0),
  created_at timestamptz not null default now()
);
revoke all on table private.platform_secret_versions from public, anon, authenticated, service_role;

create function private.customer_salt_name(p_customer_id uuid) returns text
language sql immutable
set search_path = ''
as $$ select 'customer_salt:' || p_customer_id::text $$;

create function private.platform_secret_name(p_version integer) returns text
language sql immutable
set search_path = ''
as $$ select 'platform_secret_v' || p_version::text $$;

-- Adds the next platform secret version and makes it current. Run by an operator (the migration
-- role) on a new project and at each rotation: `select private.add_platform_secret_version();`
create function private.add_platform_secret_version() returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  next_version integer;
begin
  -- Serialise concurrent rotations so two callers cannot both claim the same version.
  lock table private.platform_secret_versions in exclusive mode;
  select coalesce(max(version), 0) + 1 into next_version from private.platform_secret_versions;
  perform vault.create_secret(
    encode(extensions.gen_random_bytes(32), 'hex'),
    private.platform_secret_name(next_version),
    'Nacre platform secret, version ' || next_version);
  insert into private.platform_secret_versions (version) values (next_version);
  return next_version;
end
$$;

-- Every customer gets a salt the moment the row exists, so there is never a customer without a key.
create function private.create_customer_salt() returns trigger
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform vault.create_secret(
    encode(extensions.gen_random_bytes(32), 'hex'),
    private.customer_salt_name(new.id),
    'Nacre customer key salt');
  return new;
end
$$;
create trigger customers_create_salt after insert on public.customers
  for each row execute function private.create_customer_salt();

create function private.derive_customer_key(p_customer_id uuid, p_version integer) returns bytea
language plpgsql stable security definer
set search_path = ''
as $$
declare
  secret_hex text;
  salt_hex text;
begin
  select decrypted_secret into secret_hex from vault.decrypted_secrets
    where name = private.platform_secret_name(p_version);
  if secret_hex is null then
    raise exception 'platform secret version % does not exist', p_version
      using errcode = 'NK001', hint = 'an operator adds versions with private.add_platform_secret_version()';
  end if;
  select decrypted_secret into salt_hex from vault.decrypted_secrets
    where name = private.customer_salt_name(p_customer_id);
  if salt_hex is null then
    raise exception 'customer % has no key salt: the customer does not exist or was purged', p_customer_id
      using errcode = 'NK002';
  end if;
  return extensions.hmac(uuid_send(p_customer_id) || decode(salt_hex, 'hex'), decode(secret_hex, 'hex'), 'sha256');
end
$$;

-- The key a new snapshot of this customer is wrapped under: the current platform secret version.
create function private.customer_key_for_new_snapshot(p_customer_id uuid, out key_id text, out key bytea)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  current_version integer;
begin
  select max(version) into current_version from private.platform_secret_versions;
  if current_version is null then
    raise exception 'no platform secret exists yet'
      using errcode = 'NK001', hint = 'an operator runs select private.add_platform_secret_version() once per project';
  end if;
  key_id := p_customer_id::text || ':v' || current_version::text;
  key := private.derive_customer_key(p_customer_id, current_version);
end
$$;

-- The key a stored key id names, to unwrap an existing snapshot's data key (restore, decrypt locally).
create function private.customer_key_by_id(p_key_id text) returns bytea
language plpgsql stable security definer
set search_path = ''
as $$
declare
  parts text[] := regexp_match(p_key_id,
    '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):v([1-9][0-9]{0,8})$');
begin
  if parts is null then
    raise exception 'malformed key id %: expected <customer uuid>:v<version>', p_key_id
      using errcode = 'NK003';
  end if;
  return private.derive_customer_key(parts[1]::uuid, parts[2]::integer);
end
$$;

-- The purge's last step: without the salt no key of this customer can ever be derived again.
create function private.destroy_customer_key(p_customer_id uuid) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  removed integer;
begin
  delete from vault.secrets where name = private.customer_salt_name(p_customer_id);
  get diagnostics removed = row_count;
  if removed > 0 then
    insert into public.audit_log (actor_kind, action, customer_id, details)
    values ('system', 'customer.key-destroyed', p_customer_id, '{}'::jsonb);
  end if;
  return removed > 0;
end
$$;

-- Only the service role derives or destroys keys; only the migration role rotates.
revoke all on function private.customer_salt_name(uuid), private.platform_secret_name(integer),
  private.add_platform_secret_version(), private.create_customer_salt(),
  private.derive_customer_key(uuid, integer), private.customer_key_for_new_snapshot(uuid),
  private.customer_key_by_id(text), private.destroy_customer_key(uuid)
  from public, anon, authenticated, service_role;
grant execute on function private.derive_customer_key(uuid, integer), private.customer_key_for_new_snapshot(uuid),
  private.customer_key_by_id(text), private.destroy_customer_key(uuid)
  to service_role;

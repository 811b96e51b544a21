-- Local stand-in for Supabase Vault: the same SQL interface (vault.secrets, vault.create_secret,
-- vault.update_secret, vault.decrypted_secrets) so the migrations run unchanged here and on Supabase.
-- NEVER part of supabase/migrations.
--
-- Like Vault, secrets are stored encrypted and the root key is not in the database: it lives in a
-- file the server reads when it decrypts (Vault's pgsodium reads its root key the same way). The
-- file's path is a per-database setting, `nacre.vault_root_key_file`, written by the local stack.
-- The cipher is pgcrypto's OpenPGP symmetric encryption with AES-256 (integrity-protected), because
-- pgcrypto has no AEAD primitive; this is a development stand-in, not a production vault.

create schema if not exists vault;
-- Nobody but the owner (the migration role, as on Supabase) reaches into the vault.
revoke all on schema vault from public;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace function vault._root_key() returns text
language plpgsql stable
set search_path = ''
as $$
declare
  path text := current_setting('nacre.vault_root_key_file', true);
  key text;
begin
  if path is null or path = '' then
    raise exception 'the local Vault has no root key: nacre.vault_root_key_file is not set for this database'
      using hint = 'run the local stack (bash scripts/dev.sh) or pnpm db:migrate, which set it';
  end if;
  begin
    key := btrim(pg_read_file(path), E' \n\r\t');
  exception when others then
    raise exception 'the local Vault cannot read its root key file %: %', path, sqlerrm
      using hint = 'the PostgreSQL server reads it as its own OS user (postgres): the file must be its, '
                   'and every parent directory must let it pass (o+x)';
  end;
  if length(key) < 32 then
    raise exception 'the local Vault root key in % is shorter than 32 characters', path;
  end if;
  return key;
end
$$;

-- Encrypt on every write, whichever way the row is written.
create or replace function vault._encrypt_secret() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.secret is distinct from old.secret then
    new.secret := encode(
      extensions.pgp_sym_encrypt(new.secret, vault._root_key(), 'cipher-algo=aes256, compress-algo=0'),
      'base64');
  end if;
  new.updated_at := now();
  return new;
end
$$;

drop trigger if exists secrets_encrypt on vault.secrets;
create trigger secrets_encrypt before insert or update on vault.secrets
  for each row execute function vault._encrypt_secret();

create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
) returns uuid
language sql
set search_path = ''
as $$
  insert into vault.secrets (secret, name, description, key_id)
  values (new_secret, new_name, coalesce(new_description, ''), new_key_id)
  returning id
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
) returns void
language sql
set search_path = ''
as $$
  update vault.secrets set
    secret = coalesce(new_secret, secret),
    name = coalesce(new_name, name),
    description = coalesce(new_description, description),
    key_id = coalesce(new_key_id, key_id)
  where id = secret_id
$$;

create or replace view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret,
         extensions.pgp_sym_decrypt(decode(s.secret, 'base64'), vault._root_key()) as decrypted_secret,
         s.key_id, s.nonce, s.created_at, s.updated_at
  from vault.secrets s;

revoke all on all tables in schema vault from public;
revoke all on all functions in schema vault from public;

-- Helpers for the pgTAP suite, installed into each throwaway test database after the migrations
-- (never into a real project). They switch identity the way PostgREST and packages/db do: a
-- transaction-local role plus request.jwt.claims.

create extension if not exists pgtap with schema extensions;

create schema tests;
grant usage on schema tests to public;

create function tests.act_as(p_user uuid) returns void
language plpgsql as $$
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

create function tests.act_as_anon() returns void
language plpgsql as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end
$$;

create function tests.act_as_service() returns void
language plpgsql as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  perform set_config('role', 'service_role', true);
end
$$;

-- Fixtures, created as the migration role (call them before switching identity).
create function tests.create_customer(p_email text) returns uuid
language plpgsql as $$
declare
  new_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, email) values (new_id, p_email);
  insert into public.customers (id, email) values (new_id, p_email);
  return new_id;
end
$$;

create function tests.create_support(p_email text) returns uuid
language plpgsql as $$
declare
  new_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, email) values (new_id, p_email);
  insert into public.support_staff (user_id) values (new_id);
  return new_id;
end
$$;

create function tests.create_vm(p_customer uuid, p_hostname text, p_region public.region) returns uuid
language sql as $$
  insert into public.vms (customer_id, hostname, region, status)
  values (p_customer, p_hostname, p_region, 'active') returning id
$$;

create function tests.create_snapshot(p_vm uuid, p_created_at timestamptz default now()) returns uuid
language sql as $$
  insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key,
                                size_bytes, sha256, key_id, created_at, completed_at)
  select v.id, v.customer_id, 'nightly', 'completed', v.region, 'nacre-' || lower(v.region::text),
         v.id || '/' || to_char(p_created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '-' || gen_random_uuid(),
         1024, encode(extensions.digest(v.id::text || p_created_at::text, 'sha256'), 'hex'),
         v.customer_id || ':v1', p_created_at, p_created_at
  from public.vms v where v.id = p_vm
  returning id
$$;

grant execute on all functions in schema tests to public;

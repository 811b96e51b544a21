-- Isolation. Every tenant table has row-level security keyed on auth.uid(): a customer reads only
-- their own rows and writes none (the control plane owns them all, so nobody can forge a snapshot
-- or edit a size or a hash). Support staff read across tenants; their actions go through
-- record_support_action(), which writes the audit log. `anon` sees nothing. The service role
-- (workers, gateway) bypasses RLS, as on Supabase, but still cannot rewrite the audit log.
--
-- Supabase's default privileges grant ALL on new tables to anon and authenticated; the grants are
-- therefore revoked explicitly and handed out table by table, so RLS is the second wall, not the only one.

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

-- Whether the caller is active support staff. SECURITY DEFINER so that policies can ask without the
-- caller reading support_staff itself; STABLE so Postgres evaluates it once per statement.
create function private.is_support() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.support_staff s
    where s.user_id = auth.uid() and s.disabled_at is null
  )
$$;
revoke all on function private.is_support() from public, anon;
grant execute on function private.is_support() to authenticated, service_role;

do $$
declare
  t text;
begin
  foreach t in array array['customers', 'vms', 'snapshots', 'backup_nights', 'exports', 'support_staff', 'audit_log']
  loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on table public.%I from public, anon, authenticated, service_role', t);
    execute format('grant select on table public.%I to authenticated', t);
  end loop;
end
$$;

-- The service role writes everything but the audit log, which it may only append to.
grant select, insert, update, delete on public.customers, public.vms, public.snapshots,
  public.backup_nights, public.exports, public.support_staff to service_role;
grant select, insert on public.audit_log to service_role;

-- (select auth.uid()) rather than auth.uid(): evaluated once per statement, not once per row.
create policy customers_read on public.customers for select to authenticated
  using (id = (select auth.uid()) or (select private.is_support()));

create policy vms_read on public.vms for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

create policy snapshots_read on public.snapshots for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

create policy backup_nights_read on public.backup_nights for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

create policy exports_read on public.exports for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

-- Staff see the roster; anyone may see their own row (how the dashboard learns it is support).
create policy support_staff_read on public.support_staff for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_support()));

-- Customers see what was done to their account; support sees everything.
create policy audit_log_read on public.audit_log for select to authenticated
  using (customer_id = (select auth.uid()) or (select private.is_support()));

-- The audit log is append-only for everyone, the table owner included.
create function private.refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'the audit log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_log_append_only before update or delete on public.audit_log
  for each row execute function private.refuse_audit_change();
create trigger audit_log_no_truncate before truncate on public.audit_log
  for each statement execute function private.refuse_audit_change();

-- Support staff act through this function: it checks the caller is support and records the action
-- with the caller's own id, so an entry cannot be written in someone else's name.
create function public.record_support_action(
  p_action text,
  p_customer_id uuid default null,
  p_vm_id uuid default null,
  p_snapshot_id uuid default null,
  p_details jsonb default '{}'::jsonb
) returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  entry_id bigint;
begin
  if not private.is_support() then
    raise exception 'only support staff can record support actions'
      using errcode = 'insufficient_privilege';
  end if;
  if p_action !~ '^support\.' then
    raise exception 'support actions are named support.<verb>, got %', p_action
      using errcode = 'invalid_parameter_value';
  end if;
  insert into public.audit_log (actor_id, actor_kind, action, customer_id, vm_id, snapshot_id, details)
  values (auth.uid(), 'support', p_action, p_customer_id, p_vm_id, p_snapshot_id, coalesce(p_details, '{}'::jsonb))
  returning id into entry_id;
  return entry_id;
end
$$;
revoke all on function public.record_support_action(text, uuid, uuid, uuid, jsonb) from public, anon;
grant execute on function public.record_support_action(text, uuid, uuid, uuid, jsonb) to authenticated;

-- The schema's promises: every tenant table has RLS, the facts a snapshot row records are
-- well-formed, one export per VM in flight, the audit log append-only, and the dashboard's
-- 14-snapshot list is one index range scan.
begin;
select plan(18);

select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity),
  null,
  'every table in public has row-level security enabled');

select has_table('public', t, 'table public.' || t || ' exists')
  from unnest(array['customers', 'vms', 'snapshots', 'backup_nights', 'exports', 'support_staff', 'audit_log']) t;

select tests.create_customer('schema-a@example.com') as a \gset
select tests.create_vm(:'a', 'schema-a.sg.nacre.local', 'SG') as vm \gset

select throws_ok(
  format($$insert into public.snapshots (vm_id, customer_id, kind, status, region, bucket, object_key, key_id)
           values (%L, %L, 'nightly', 'completed', 'SG', 'nacre-sg', 'k1', 'x')$$, :'vm', :'a'),
  '23514', null,
  'a completed snapshot must record its size, SHA-256 and completion time');

select throws_ok(
  format($$insert into public.snapshots (vm_id, customer_id, kind, region, bucket, object_key, key_id, sha256)
           values (%L, %L, 'nightly', 'SG', 'nacre-sg', 'k2', 'x', 'ABCDEF')$$, :'vm', :'a'),
  '23514', null,
  'a SHA-256 is 64 lower-case hex digits');

select tests.create_customer('schema-b@example.com') as b \gset
select throws_ok(
  format($$insert into public.snapshots (vm_id, customer_id, kind, region, bucket, object_key, key_id)
           values (%L, %L, 'nightly', 'SG', 'nacre-sg', 'k3', 'x')$$, :'vm', :'b'),
  '23503', null,
  'a snapshot cannot claim a VM of another customer');

insert into public.exports (vm_id, customer_id, requested_by) values (:'vm', :'a', :'a');
select throws_ok(
  format($$insert into public.exports (vm_id, customer_id, requested_by) values (%L, %L, %L)$$, :'vm', :'a', :'a'),
  '23505', null,
  'only one export per VM can be in flight');

insert into public.audit_log (actor_kind, action, customer_id) values ('system', 'test.entry', :'a');
select throws_ok($$update public.audit_log set action = 'test.edited'$$, '42501', null,
  'audit entries cannot be edited, even by the table owner');
select throws_ok($$delete from public.audit_log$$, '42501', null,
  'audit entries cannot be deleted, even by the table owner');
select throws_ok($$truncate public.audit_log$$, '42501', null,
  'the audit log cannot be truncated');

select throws_ok(
  format($$insert into public.vms (customer_id, hostname, region) values (%L, 'schema-a.sg.nacre.local', 'EU')$$, :'a'),
  '23505', null,
  'two live VMs cannot share a hostname');

-- The dashboard's list: the newest 14 completed snapshots of one customer.
select count(tests.create_snapshot(:'vm', now() - make_interval(hours => g))) as made from generate_series(1, 400) g \gset
analyze public.snapshots;
create function pg_temp.plan_of(query text) returns text language plpgsql as $$
declare
  line text;
  plan text := '';
begin
  for line in execute 'explain (costs off) ' || query loop
    plan := plan || line || E'\n';
  end loop;
  return plan;
end
$$;
select matches(
  pg_temp.plan_of(format($$select id, created_at, size_bytes, sha256, region from public.snapshots
    where customer_id = %L and status = 'completed' order by created_at desc limit 14$$, :'a')),
  '^Limit\s+->\s+Index Scan using snapshots_customer_recent on snapshots\s+Index Cond: \(customer_id = [^\n]*\)\s*$',
  'a customer''s 14-snapshot list is one index range scan, with no sort');
select matches(
  pg_temp.plan_of(format($$select id from public.snapshots
    where vm_id = %L and status = 'completed' order by created_at desc limit 14$$, :'vm')),
  '^Limit\s+->\s+Index Scan using snapshots_vm_recent on snapshots\s+Index Cond: \(vm_id = [^\n]*\)\s*$',
  'a VM''s 14-snapshot list is one index range scan, with no sort');

select * from finish();
rollback;

-- Restores: the owner and support read them, nobody else; only the service role writes them; a
-- restore of another customer's snapshot cannot even be recorded; one restore in flight per VM.
begin;
select plan(14);

select tests.create_customer('restore-a@example.com') as a \gset
select tests.create_customer('restore-b@example.com') as b \gset
select tests.create_support('restore-support@example.com') as s \gset
select tests.create_vm(:'a', 'restore-a.sg.nacre.local', 'SG') as vm_a \gset
select tests.create_vm(:'b', 'restore-b.sg.nacre.local', 'SG') as vm_b \gset
select tests.create_snapshot(:'vm_a') as snap_a \gset
select tests.create_snapshot(:'vm_b') as snap_b \gset

select has_table('public', 'restores', 'the restores table exists');
select ok((select relrowsecurity from pg_class where oid = 'public.restores'::regclass), 'RLS is on for restores');

select tests.act_as_service();
select lives_ok(format('insert into public.restores (vm_id, customer_id, snapshot_id, requested_by) values (%L, %L, %L, %L)',
  :'vm_a', :'a', :'snap_a', :'s'), 'the service role records a restore of the customer''s own snapshot');
select throws_ok(format('insert into public.restores (vm_id, customer_id, snapshot_id, requested_by) values (%L, %L, %L, %L)',
  :'vm_b', :'b', :'snap_a', :'s'), '23503', null, 'a restore of another customer''s snapshot cannot be recorded');
select throws_ok(format('insert into public.restores (vm_id, customer_id, snapshot_id, requested_by) values (%L, %L, %L, %L)',
  :'vm_a', :'a', :'snap_a', :'s'), '23505', null, 'a second restore in flight for one VM is refused');
select lives_ok(format('update public.restores set status = %L, step = %L, finished_at = now() where vm_id = %L', 'succeeded', 'done', :'vm_a'),
  'the service role moves a restore on');
select throws_ok(format('update public.restores set status = %L where vm_id = %L', 'running', :'vm_a'), '23514', null,
  'a restore in flight has no finish time, a final one has');
select throws_ok(format('delete from public.restores where vm_id = %L', :'vm_a'), '42501', null,
  'the service role cannot delete restore history');
insert into public.restores (vm_id, customer_id, snapshot_id, requested_by) values (:'vm_b', :'b', :'snap_b', :'s');
reset role;

select tests.act_as(:'a');
select results_eq(format('select vm_id from public.restores'), format('select %L::uuid', :'vm_a'),
  'the owner reads only their own restores');
select throws_ok(format('insert into public.restores (vm_id, customer_id, snapshot_id) values (%L, %L, %L)', :'vm_a', :'a', :'snap_a'),
  '42501', null, 'a customer cannot start a restore by writing the table');
select is((select count(*) from public.restores where vm_id = :'vm_b'), 0::bigint, 'a customer cannot see another customer''s restore');
reset role;

select tests.act_as(:'s');
select is((select count(*) from public.restores), 2::bigint, 'support reads every restore');
select throws_ok(format('update public.restores set step = %L', 'x'), '42501', null, 'support cannot edit a restore row directly');
reset role;

select tests.act_as_anon();
select throws_ok('select count(*) from public.restores', '42501', null, 'anon reads nothing');
reset role;

select * from finish();
rollback;

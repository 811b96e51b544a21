-- The restore owed to a resubscribed customer: the wish can only name the customer's own snapshot and
-- be bound to the customer's own VM, and its columns stay consistent.
begin;
select plan(7);

select tests.create_customer('initial-a@example.com') as a \gset
select tests.create_customer('initial-b@example.com') as b \gset
select tests.create_vm(:'a', 'initial-a.sg.nacre.local', 'SG') as vm_a \gset
select tests.create_vm(:'b', 'initial-b.sg.nacre.local', 'SG') as vm_b \gset
select tests.create_snapshot(:'vm_a') as snap_a \gset
select tests.create_snapshot(:'vm_b') as snap_b \gset

select tests.act_as_service();
select throws_ok(format('update public.customers set restore_snapshot_id = %L, restore_requested_at = now() where id = %L', :'snap_b', :'a'),
  '23503', null, 'a wish cannot name another customer''s snapshot');
select lives_ok(format('update public.customers set restore_snapshot_id = %L, restore_requested_at = now() where id = %L', :'snap_a', :'a'),
  'a wish names the customer''s own snapshot');
select throws_ok(format('update public.customers set restore_vm_id = %L where id = %L', :'vm_b', :'a'),
  '23503', null, 'a wish cannot be bound to another customer''s VM');
select lives_ok(format('update public.customers set restore_vm_id = %L where id = %L', :'vm_a', :'a'),
  'a wish is bound to the customer''s own VM');
select throws_ok(format('update public.customers set restore_failed_at = now() where id = %L', :'a'),
  '23514', null, 'a failed wish says why');
select throws_ok(format('update public.customers set restore_requested_at = null, restore_snapshot_id = null where id = %L', :'a'),
  '23514', null, 'a bound wish is a pending one');
reset role;

select tests.act_as(:'b');
select is((select count(*) from public.customers where restore_vm_id is not null), 0::bigint, 'a customer cannot see another customer''s wish');
reset role;

select * from finish();
rollback;

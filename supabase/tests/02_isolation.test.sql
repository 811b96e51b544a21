-- Row-level security, both ways, for every identity the product has: customer A, customer B,
-- support staff (active and disabled), anon and the service role.
begin;
select plan(48);

-- Fixtures, as the migration role.
select tests.create_customer('iso-a@example.com') as a \gset
select tests.create_customer('iso-b@example.com') as b \gset
select tests.create_support('iso-support@nacre.local') as s \gset
select tests.create_support('iso-former@nacre.local') as former \gset
update public.support_staff set disabled_at = now() where user_id = :'former';
select tests.create_vm(:'a', 'iso-a.sg.nacre.local', 'SG') as va \gset
select tests.create_vm(:'b', 'iso-b.eu.nacre.local', 'EU') as vb \gset
select tests.create_snapshot(:'va') as sa \gset
select tests.create_snapshot(:'vb') as sb \gset
insert into public.backup_nights (vm_id, customer_id, night, status, attempts, last_error)
  values (:'va', :'a', current_date, 'failed', 7, 'agent offline'),
         (:'vb', :'b', current_date, 'succeeded', 1, null);
insert into public.exports (vm_id, customer_id, requested_by) values (:'va', :'a', :'a'), (:'vb', :'b', :'b');
insert into public.audit_log (actor_kind, action, customer_id) values
  ('system', 'test.for-a', :'a'), ('system', 'test.for-b', :'b');

-- Customer A reads A's rows and nothing of B's.
select tests.act_as(:'a');
select results_eq(format('select id from public.customers where id in (%L, %L)', :'a', :'b'),
  format('values (%L::uuid)', :'a'), 'A sees only A''s customer row');
select results_eq(format('select id from public.vms where id in (%L, %L)', :'va', :'vb'),
  format('values (%L::uuid)', :'va'), 'A sees only A''s VM');
select results_eq(format('select id from public.snapshots where id in (%L, %L)', :'sa', :'sb'),
  format('values (%L::uuid)', :'sa'), 'A sees only A''s snapshots');
select is((select count(*) from public.snapshots where id = :'sb'), 0::bigint,
  'B''s snapshot is invisible to A even when asked for by id');
select is((select array_agg(vm_id) from public.backup_nights where vm_id in (:'va', :'vb')), array[:'va'::uuid],
  'A sees only A''s backup nights');
select is((select array_agg(vm_id) from public.exports where vm_id in (:'va', :'vb')), array[:'va'::uuid],
  'A sees only A''s exports');
select is((select array_agg(action) from public.audit_log where customer_id in (:'a', :'b')), array['test.for-a'],
  'A sees the audit entries about A''s account only');
select is((select count(*) from public.support_staff), 0::bigint, 'a customer cannot list support staff');

-- … and writes none of them.
select throws_ok(format($$insert into public.snapshots (vm_id, customer_id, kind, region, bucket, object_key, key_id)
    values (%L, %L, 'nightly', 'SG', 'nacre-sg', 'forged', 'x')$$, :'va', :'a'),
  '42501', null, 'A cannot forge a snapshot');
select throws_ok(format($$update public.snapshots set size_bytes = 1 where id = %L$$, :'sa'),
  '42501', null, 'A cannot edit a snapshot''s size');
select throws_ok(format($$update public.snapshots set sha256 = repeat('0', 64) where id = %L$$, :'sa'),
  '42501', null, 'A cannot edit a snapshot''s hash');
select throws_ok(format($$delete from public.snapshots where id = %L$$, :'sa'),
  '42501', null, 'A cannot delete a snapshot');
select throws_ok(format($$update public.vms set region = 'US' where id = %L$$, :'va'),
  '42501', null, 'A cannot move a VM');
select throws_ok(format($$update public.backup_nights set status = 'succeeded' where vm_id = %L$$, :'va'),
  '42501', null, 'A cannot rewrite a failed night');
select throws_ok(format($$insert into public.exports (vm_id, customer_id, requested_by) values (%L, %L, %L)$$, :'va', :'a', :'a'),
  '42501', null, 'A cannot insert an export row directly');
select throws_ok(format($$insert into public.support_staff (user_id) values (%L)$$, :'a'),
  '42501', null, 'A cannot make themselves support');
select throws_ok(format($$insert into public.audit_log (actor_kind, action) values ('support', 'support.fake')$$),
  '42501', null, 'A cannot write the audit log');
select throws_ok($$select public.record_support_action('support.view-customer')$$,
  '42501', null, 'A cannot record a support action');
select throws_ok(format($$update public.customers set plan_state = 'active' where id = %L$$, :'a'),
  '42501', null, 'A cannot change their own plan state');
select throws_ok('select count(*) from public.enrollment_tokens', '42501', null,
  'a customer cannot read enrollment tokens');
select throws_ok('select count(*) from public.snapshot_uploads', '42501', null,
  'a customer cannot read in-flight uploads');
reset role;

-- Customer B, the other way round.
select tests.act_as(:'b');
select results_eq(format('select id from public.vms where id in (%L, %L)', :'va', :'vb'),
  format('values (%L::uuid)', :'vb'), 'B sees only B''s VM');
select results_eq(format('select id from public.snapshots where id in (%L, %L)', :'sa', :'sb'),
  format('values (%L::uuid)', :'sb'), 'B sees only B''s snapshots');
select is((select count(*) from public.backup_nights where vm_id = :'va'), 0::bigint, 'B cannot see A''s failed night');
reset role;

-- Support reads across tenants, writes nothing directly, and every action is audited in its own name.
select tests.act_as(:'s');
select is((select count(*) from public.vms where id in (:'va', :'vb')), 2::bigint, 'support sees every customer''s VMs');
select is((select count(*) from public.snapshots where id in (:'sa', :'sb')), 2::bigint, 'support sees every customer''s snapshots');
select is((select count(*) from public.backup_nights where vm_id in (:'va', :'vb')), 2::bigint, 'support sees every customer''s nights');
select is((select count(*) from public.customers where id in (:'a', :'b')), 2::bigint, 'support sees every customer');
select throws_ok(format($$update public.snapshots set size_bytes = 1 where id = %L$$, :'sa'),
  '42501', null, 'support cannot edit a snapshot');
select throws_ok(format($$insert into public.audit_log (actor_kind, action) values ('support', 'support.fake')$$),
  '42501', null, 'support cannot write the audit log directly');
select lives_ok(format($$select public.record_support_action('support.view-customer', %L)$$, :'a'),
  'support records an action through record_support_action');
select results_eq(
  format($$select actor_id, actor_kind::text, customer_id from public.audit_log where action = 'support.view-customer'$$),
  format($$values (%L::uuid, 'support', %L::uuid)$$, :'s', :'a'),
  'the entry names the support engineer who acted, not a value they chose');
select is((select count(*) from public.support_staff where user_id in (:'s', :'former')), 2::bigint,
  'support sees the staff roster');
select throws_ok(format($$update public.support_staff set disabled_at = null where user_id = %L$$, :'former'),
  '42501', null, 'support cannot re-enable a disabled colleague (staff changes are the service''s)');
select throws_ok('select count(*) from public.enrollment_tokens', '42501', null,
  'support cannot read enrollment tokens (they enroll a VM)');
select throws_ok('select count(*) from public.snapshot_uploads', '42501', null,
  'support cannot read in-flight uploads (they name upload ids)');
select throws_ok($$select public.record_support_action('customer.delete')$$,
  '22023', null, 'support actions must be named support.<verb>');
reset role;

-- A disabled support account is an ordinary user with no customer rows.
select tests.act_as(:'former');
select is((select count(*) from public.vms where id in (:'va', :'vb')), 0::bigint, 'disabled support staff see no VMs');
select throws_ok($$select public.record_support_action('support.view-customer')$$,
  '42501', null, 'disabled support staff cannot act');
reset role;

-- anon sees nothing at all.
select tests.act_as_anon();
select throws_ok('select count(*) from public.vms', '42501', null, 'anon cannot read VMs');
select throws_ok('select count(*) from public.snapshots', '42501', null, 'anon cannot read snapshots');
select throws_ok('select count(*) from public.customers', '42501', null, 'anon cannot read customers');
select throws_ok('select count(*) from public.audit_log', '42501', null, 'anon cannot read the audit log');
select throws_ok($$select public.record_support_action('support.view-customer')$$,
  '42501', null, 'anon cannot call record_support_action');
reset role;

-- The service role (workers, gateway) reads and writes every tenant, but only appends to the audit log.
select tests.act_as_service();
select is((select count(*) from public.snapshots where id in (:'sa', :'sb')), 2::bigint, 'the service role sees every snapshot');
select lives_ok(format($$update public.snapshots set hold_until = null where id = %L$$, :'sa'),
  'the service role updates snapshots');
select lives_ok($$insert into public.audit_log (actor_kind, action) values ('service', 'snapshot.recorded')$$,
  'the service role appends to the audit log');
select throws_ok($$delete from public.audit_log where action = 'snapshot.recorded'$$,
  '42501', null, 'the service role cannot delete audit entries');
reset role;

select * from finish();
rollback;

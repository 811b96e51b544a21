-- The key hierarchy in the database: who may derive a customer key, that keys are per customer and
-- per platform secret version, that rotation keeps old keys derivable, and that deleting the salt
-- ends every derivation for that customer.
begin;
select plan(29);

select tests.create_customer('keys-a@example.com') as a \gset
select tests.create_customer('keys-b@example.com') as b \gset

select is((select count(*) from vault.secrets where name = 'customer_salt:' || :'a'), 1::bigint,
  'a new customer gets a salt in Vault at once');
select is((select octet_length(decode(decrypted_secret, 'hex')) from vault.decrypted_secrets
            where name = 'customer_salt:' || :'a'), 32, 'the salt is 32 random bytes');
select isnt((select secret from vault.secrets where name = 'customer_salt:' || :'a'),
  (select decrypted_secret from vault.decrypted_secrets where name = 'customer_salt:' || :'a'),
  'Vault stores the salt encrypted');

-- Nobody but the service role derives keys; nobody at all reads the platform secret.
select tests.act_as(:'a');
select throws_ok(format('select private.derive_customer_key(%L, 1)', :'a'), '42501', null,
  'authenticated cannot call the derivation, even for its own customer');
select throws_ok(format('select * from private.customer_key_for_new_snapshot(%L)', :'a'), '42501', null,
  'authenticated cannot get a key for a new snapshot');
select throws_ok(format('select private.customer_key_by_id(%L)', :'a' || ':v1'), '42501', null,
  'authenticated cannot derive by key id');
select throws_ok(format('select private.destroy_customer_key(%L)', :'b'), '42501', null,
  'authenticated cannot destroy a customer key');
select throws_ok('select private.add_platform_secret_version()', '42501', null,
  'authenticated cannot rotate the platform secret');
select throws_ok('select count(*) from vault.decrypted_secrets', '42501', null,
  'authenticated cannot read Vault');
reset role;

select tests.act_as_anon();
select throws_ok(format('select private.derive_customer_key(%L, 1)', :'a'), '42501', null,
  'anon cannot call the derivation');
reset role;

select tests.act_as_service();
select throws_ok('select count(*) from vault.decrypted_secrets', '42501', null,
  'the service role cannot read Vault (so it never sees platform_secret)');
select throws_ok('select count(*) from private.platform_secret_versions', '42501', null,
  'the service role cannot touch the version table');
select throws_ok('select private.add_platform_secret_version()', '42501', null,
  'the service role cannot rotate the platform secret');

select key_id as a_key_id, key as a_key from private.customer_key_for_new_snapshot(:'a') \gset
select key as b_key from private.customer_key_for_new_snapshot(:'b') \gset
select is(:'a_key_id', :'a' || ':v1', 'the key id names the customer and the current version');
select is(octet_length(:'a_key'::bytea), 32, 'a customer key is 32 bytes');
select isnt(:'a_key'::bytea, :'b_key'::bytea, 'two customers'' keys differ');
select is(private.customer_key_by_id(:'a_key_id'), :'a_key'::bytea,
  'deriving by key id gives the same key again');
select throws_ok(format('select private.customer_key_by_id(%L)', 'not-a-key-id'), 'NK003', null,
  'a malformed key id is refused');
select throws_ok(format('select private.derive_customer_key(%L, 99)', :'a'), 'NK001', null,
  'an unknown platform secret version is refused');
reset role;

-- The derivation is HMAC-SHA256(platform_secret_v1, user_id ‖ salt), as documented.
select is(:'a_key'::bytea,
  extensions.hmac(
    uuid_send(:'a'::uuid) || decode((select decrypted_secret from vault.decrypted_secrets where name = 'customer_salt:' || :'a'), 'hex'),
    decode((select decrypted_secret from vault.decrypted_secrets where name = 'platform_secret_v1'), 'hex'),
    'sha256'),
  'K_cust = HMAC-SHA256(platform_secret_v1, user_id || customer_salt)');

-- Rotation: new snapshots use v2, old key ids still derive the old key.
select is(private.add_platform_secret_version(), 2, 'rotation adds platform secret version 2');
select tests.act_as_service();
select key_id as a_key_id_v2, key as a_key_v2 from private.customer_key_for_new_snapshot(:'a') \gset
select is(:'a_key_id_v2', :'a' || ':v2', 'after rotation new snapshots are wrapped under v2');
select isnt(:'a_key_v2'::bytea, :'a_key'::bytea, 'the v2 key differs from the v1 key');
select is(private.customer_key_by_id(:'a_key_id'), :'a_key'::bytea, 'the v1 key id still derives the v1 key');

-- Purge: destroying the salt ends every derivation, for good.
select is(private.destroy_customer_key(:'a'), true, 'the service role destroys a customer key');
select throws_ok(format('select private.customer_key_by_id(%L)', :'a_key_id'), 'NK002', null,
  'after the purge the customer key cannot be derived');
select is(private.destroy_customer_key(:'a'), false, 'destroying it again reports there was nothing left');
select isnt(private.customer_key_by_id(format('%s:v1', :'b')), null, 'another customer''s key is unaffected');
reset role;
select is((select count(*) from public.audit_log where action = 'customer.key-destroyed' and customer_id = :'a'),
  1::bigint, 'destroying a key is written to the audit log once');

select * from finish();
rollback;

-- Local seed: two customers, each with one VM in a different region, and one support engineer.
-- Fixed ids so the dev stack, docs and tests can name them. Idempotent (safe to apply twice).
-- auth.users rows stand in for sign-ups; on a real project GoTrue creates them.

insert into auth.users (id, email) values
  ('11111111-1111-4111-8111-111111111111', 'alice@example.com'),
  ('22222222-2222-4222-8222-222222222222', 'bob@example.com'),
  ('99999999-9999-4999-8999-999999999999', 'support@nacre.local')
on conflict (id) do nothing;

insert into public.customers (id, email) values
  ('11111111-1111-4111-8111-111111111111', 'alice@example.com'),
  ('22222222-2222-4222-8222-222222222222', 'bob@example.com')
on conflict (id) do nothing;

insert into public.vms (id, customer_id, hostname, region, status) values
  ('aaaaaaaa-0000-4000-8000-00000000000a', '11111111-1111-4111-8111-111111111111', 'alice-claw.sg.nacre.local', 'SG', 'active'),
  ('bbbbbbbb-0000-4000-8000-00000000000b', '22222222-2222-4222-8222-222222222222', 'bob-claw.eu.nacre.local', 'EU', 'active')
on conflict (id) do nothing;

insert into public.support_staff (user_id, role) values
  ('99999999-9999-4999-8999-999999999999', 'support')
on conflict (user_id) do nothing;

// The RLS session helper: dashboard queries run as the signed-in user, so the database filters them
// even when the query forgets its own filter, and nothing of the session outlives its transaction.
import { appendAudit, withServiceSession, withUserSession } from "@nacre/db";
import { describe, expect, test } from "vitest";
import { createCustomer, createVm, useDatabase } from "./fixtures.ts";

const fixture = useDatabase();

describe("withUserSession", () => {
  test("a query without any tenant filter returns only the signed-in customer's rows", async () => {
    const { sql } = fixture();
    const alice = await createCustomer(sql, "alice-session@example.com");
    const bob = await createCustomer(sql, "bob-session@example.com");
    const aliceVm = await createVm(sql, alice, "alice-session.sg.nacre.local", "SG");
    await createVm(sql, bob, "bob-session.eu.nacre.local", "EU");

    const rows = await withUserSession(sql, { userId: alice, email: "alice-session@example.com" }, (tx) =>
      tx`select id, hostname from public.vms`,
    );
    expect(rows.map((r) => r["id"])).toEqual([aliceVm]);

    const claims = await withUserSession(sql, { userId: alice, email: "alice-session@example.com" }, (tx) =>
      tx`select auth.uid() as uid, auth.role() as role, auth.jwt() ->> 'email' as email, current_user as db_role`,
    );
    expect(claims[0]).toEqual({ uid: alice, role: "authenticated", email: "alice-session@example.com", db_role: "authenticated" });
  });

  test("a write the customer is not granted fails and rolls the whole transaction back", async () => {
    const { sql } = fixture();
    const carol = await createCustomer(sql, "carol-session@example.com");
    const vm = await createVm(sql, carol, "carol-session.us.nacre.local", "US");
    await expect(
      withUserSession(sql, { userId: carol }, (tx) => tx`update public.vms set region = 'EU' where id = ${vm}`),
    ).rejects.toMatchObject({ code: "42501" });
    const [row] = await sql`select region from public.vms where id = ${vm}`;
    expect(row?.["region"]).toBe("US");
  });

  test("the role and claims do not outlive the transaction on a pooled connection", async () => {
    const { sql } = fixture();
    const dave = await createCustomer(sql, "dave-session@example.com");
    await withUserSession(sql, { userId: dave }, async (tx) => tx`select 1`);
    // Ask as many times as the pool has connections, so the one the session used is among them.
    const after = await Promise.all(
      Array.from({ length: 5 }, () => sql`select current_user as role, current_setting('request.jwt.claims', true) as claims`),
    );
    for (const [row] of after) {
      expect(row?.["role"]).not.toBe("authenticated");
      expect(row?.["claims"] ?? "").toBe("");
    }
  });
});

describe("withServiceSession", () => {
  test("the service role reads every tenant's rows and writes them", async () => {
    const { sql } = fixture();
    const erin = await createCustomer(sql, "erin-session@example.com");
    const frank = await createCustomer(sql, "frank-session@example.com");
    const vms = [
      await createVm(sql, erin, "erin-session.sg.nacre.local", "SG"),
      await createVm(sql, frank, "frank-session.eu.nacre.local", "EU"),
    ];
    const seen = await withServiceSession(sql, async (tx) => {
      await tx`update public.vms set agent_version = '0.2.0' where id = any(${vms}::uuid[])`;
      return tx`select id, agent_version from public.vms where id = any(${vms}::uuid[]) order by hostname`;
    });
    expect(seen.map((r) => r["agent_version"])).toEqual(["0.2.0", "0.2.0"]);
  });
});

describe("appendAudit", () => {
  test("details are stored as a JSON object that queries can read by key", async () => {
    const { sql } = fixture();
    const customer = await createCustomer(sql, "audited@example.com");
    await withServiceSession(sql, (tx) =>
      appendAudit(tx, { action: "restore.requested", actorKind: "support", customerId: customer, details: { restoreId: "r-1", steps: 3 } }),
    );
    const [row] = await sql`select jsonb_typeof(details) as type, details->>'restoreId' as restore_id
      from public.audit_log where customer_id = ${customer}`;
    expect(row).toEqual({ type: "object", restore_id: "r-1" });
  });
});

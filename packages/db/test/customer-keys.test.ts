// The key hierarchy end to end: customer keys derived inside Postgres wrap real managed-mode
// snapshots, survive a platform secret rotation, are refused to signed-in users, and disappear
// with the customer's salt.
import { CustomerKeyError, customerKeyById, customerKeyForNewSnapshot, destroyCustomerKey, withServiceSession, withUserSession } from "@nacre/db";
import { decryptBuffer, encryptBuffer, generateDataKey, parseHeader, unwrapDataKey, wrapDataKey } from "@nacre/snapshot";
import { describe, expect, test } from "vitest";
import { createCustomer, useDatabase } from "./fixtures.ts";

const fixture = useDatabase();

/** What the control plane will do for each snapshot: a fresh data key wrapped under K_cust. */
async function makeManagedSnapshot(customerId: string, plaintext: Buffer): Promise<Buffer> {
  const { sql } = fixture();
  const { keyId, key } = await withServiceSession(sql, (tx) => customerKeyForNewSnapshot(tx, customerId));
  const dataKey = generateDataKey();
  return encryptBuffer(plaintext, {
    key: { mode: "managed", keyId, dataKey, wrappedKey: wrapDataKey(key, dataKey) },
    contentType: "tar+zstd",
  });
}

/** What restore and "Decrypt locally" will do: derive the key the header names, unwrap, decrypt. */
async function openManagedSnapshot(blob: Buffer): Promise<Buffer> {
  const { sql } = fixture();
  return decryptBuffer(blob, {
    key: {
      unwrap: async (keyId, wrapped) => {
        const { key } = await withServiceSession(sql, (tx) => customerKeyById(tx, keyId));
        return unwrapDataKey(key, wrapped);
      },
    },
  });
}

describe("customer keys", () => {
  test("a snapshot wrapped under v1 still decrypts after rotating to platform_secret_v2", async () => {
    const { sql } = fixture();
    const customer = await createCustomer(sql, "rotate@example.com");
    const memory = Buffer.from("workspace/memory/2026-11-21.md: the assistant remembers\n".repeat(500));
    const before = await makeManagedSnapshot(customer, memory);

    const [{ version }] = (await sql`select private.add_platform_secret_version() as version`) as unknown as [{ version: number }];
    const after = await makeManagedSnapshot(customer, memory);

    expect(parseHeader(before).keyId).toBe(`${customer}:v1`);
    expect(parseHeader(after).keyId).toBe(`${customer}:v${version}`);
    expect(await openManagedSnapshot(before)).toEqual(memory);
    expect(await openManagedSnapshot(after)).toEqual(memory);
  });

  test("two customers' keys differ, so one customer's key cannot open another's snapshot", async () => {
    const { sql } = fixture();
    const alice = await createCustomer(sql, "alice-keys@example.com");
    const bob = await createCustomer(sql, "bob-keys@example.com");
    const [a, b] = await withServiceSession(sql, (tx) =>
      Promise.all([customerKeyForNewSnapshot(tx, alice), customerKeyForNewSnapshot(tx, bob)]),
    );
    expect(a.key).toHaveLength(32);
    expect(a.key.equals(b.key)).toBe(false);

    const dataKey = generateDataKey();
    expect(() => unwrapDataKey(b.key, wrapDataKey(a.key, dataKey))).toThrow(/E_WRONG_KEY/);
  });

  test("a signed-in customer cannot derive any key, not even their own", async () => {
    const { sql } = fixture();
    const customer = await createCustomer(sql, "curious@example.com");
    await expect(
      withUserSession(sql, { userId: customer }, (tx) => customerKeyForNewSnapshot(tx, customer)),
    ).rejects.toMatchObject({ code: "42501" });
  });

  test("destroying the salt (the purge) makes every key of that customer underivable", async () => {
    const { sql } = fixture();
    const customer = await createCustomer(sql, "leaving@example.com");
    const blob = await makeManagedSnapshot(customer, Buffer.from("last words"));

    expect(await withServiceSession(sql, (tx) => destroyCustomerKey(tx, customer))).toBe(true);
    const error = await openManagedSnapshot(blob).catch((e: unknown) => e);
    // The reader reports a key it cannot get as a wrong key, and keeps the reason as the cause.
    expect(error).toMatchObject({ code: "E_WRONG_KEY" });
    expect((error as Error).cause).toBeInstanceOf(CustomerKeyError);
    expect((error as Error).cause).toMatchObject({ code: "E_CUSTOMER_KEY_DESTROYED" });
    expect(await withServiceSession(sql, (tx) => destroyCustomerKey(tx, customer))).toBe(false);
  });

  test("a malformed key id in a header is a coded error, not a query failure", async () => {
    const { sql } = fixture();
    await expect(withServiceSession(sql, (tx) => customerKeyById(tx, "../../etc/passwd"))).rejects.toMatchObject({
      code: "E_KEY_ID_MALFORMED",
    });
  });
});

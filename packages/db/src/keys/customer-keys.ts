// The service role's access to customer keys. The derivation itself runs inside Postgres (see the
// customer_keys migration); this module only calls it and turns its SQLSTATEs into coded errors.
import type { TransactionSql } from "../connect.ts";

export type CustomerKeyErrorCode = "E_NO_PLATFORM_SECRET" | "E_CUSTOMER_KEY_DESTROYED" | "E_KEY_ID_MALFORMED";

export class CustomerKeyError extends Error {
  override readonly name = "CustomerKeyError";
  readonly code: CustomerKeyErrorCode;
  constructor(code: CustomerKeyErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

export interface CustomerKey {
  /** '<customer uuid>:v<platform secret version>', written into each snapshot header and row. */
  keyId: string;
  /** K_cust, 32 bytes: wraps data keys (AES-KW). Keep it in memory only as long as needed. */
  key: Buffer;
}

const SQLSTATE_CODES: Record<string, [CustomerKeyErrorCode, string]> = {
  NK001: ["E_NO_PLATFORM_SECRET", "that platform secret version does not exist — an operator must add one"],
  NK002: ["E_CUSTOMER_KEY_DESTROYED", "the customer's key salt is gone (unknown or purged customer); nothing can be decrypted"],
  NK003: ["E_KEY_ID_MALFORMED", "a key id is '<customer uuid>:v<version>'"],
};

/** The key (and its id) to wrap a new snapshot's data key under; needs a service-role transaction. */
export async function customerKeyForNewSnapshot(tx: TransactionSql, customerId: string): Promise<CustomerKey> {
  const [row] = await translate(
    () => tx`select key_id, key from private.customer_key_for_new_snapshot(${customerId}::uuid)`,
  );
  return { keyId: row?.["key_id"] as string, key: row?.["key"] as Buffer };
}

/** The key a stored key id names, to unwrap an existing snapshot's data key. */
export async function customerKeyById(tx: TransactionSql, keyId: string): Promise<CustomerKey> {
  const [row] = await translate(() => tx`select private.customer_key_by_id(${keyId}) as key`);
  return { keyId, key: row?.["key"] as Buffer };
}

/** Deletes the customer's salt from Vault: every key of theirs becomes underivable. True if it existed. */
export async function destroyCustomerKey(tx: TransactionSql, customerId: string): Promise<boolean> {
  const [row] = await tx`select private.destroy_customer_key(${customerId}::uuid) as removed`;
  return row?.["removed"] === true;
}

async function translate<T>(query: () => PromiseLike<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const sqlState = (error as { code?: string }).code ?? "";
    const known = SQLSTATE_CODES[sqlState];
    if (known) throw new CustomerKeyError(known[0], `${(error as Error).message} — ${known[1]}`, { cause: error });
    throw error;
  }
}

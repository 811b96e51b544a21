// Refusals of the customer lifecycle (cancel, resubscribe), with a stable code and what to do.
export type CustomerLifecycleErrorCode = "E_CUSTOMER_UNKNOWN" | "E_CUSTOMER_PURGED" | "E_NOT_CANCELLED" | "E_PURGE_DUE";

const WORDS: Record<CustomerLifecycleErrorCode, string> = {
  E_CUSTOMER_UNKNOWN: "no such customer",
  E_CUSTOMER_PURGED: "this account was purged 90 days after cancellation; its backups and keys no longer exist",
  E_NOT_CANCELLED: "this account is not cancelled, so there is nothing to resubscribe",
  E_PURGE_DUE: "the 90 days after cancellation are over and the purge has begun; the account's backups cannot be restored",
};

export class CustomerLifecycleError extends Error {
  override readonly name = "CustomerLifecycleError";
  readonly code: CustomerLifecycleErrorCode;
  constructor(code: CustomerLifecycleErrorCode, customerId: string) {
    super(`${code}: ${WORDS[code]} (customer ${customerId})`);
    this.code = code;
  }
}

/** How long after cancellation the purge runs (and so how long the last backup is kept). */
export const PURGE_AFTER_MS = 90 * 24 * 60 * 60 * 1000;

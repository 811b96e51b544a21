// One error class for everything the key primitives refuse. The `code` is stable (the agent's exit paths,
// the control plane's logs and docs/keys.md key on it); the message says what happened and what to do.

export type KeyErrorCode =
  /** A caller passed a value these primitives cannot use (wrong key type, field out of bounds). A bug, not an attack. */
  | "E_KEY_INPUT"
  /** A stored or transmitted public or private key cannot be read as the expected algorithm. */
  | "E_KEY_FORMAT"
  /** A wrapped data key does not open under this customer key (another customer, version or a damaged blob). */
  | "E_WRONG_KEY"
  /** A sealed box is too short to hold its fixed parts. */
  | "E_SEAL_MALFORMED"
  /** A sealed box starts with a version byte this code does not know. */
  | "E_SEAL_VERSION"
  /** A sealed box does not authenticate: another recipient key, another context, or edited bytes. */
  | "E_SEAL_OPEN"
  /** A grant token is not a well-formed v1 token (truncated, garbage, or a field out of bounds). */
  | "E_GRANT_MALFORMED"
  /** A grant token carries a version this code does not know. */
  | "E_GRANT_VERSION"
  /** A grant's signature does not verify with the control plane's public key. */
  | "E_GRANT_SIGNATURE"
  /** An authentic grant addressed to another VM. */
  | "E_GRANT_WRONG_VM"
  /** An authentic grant for another snapshot than the one the agent is making or restoring. */
  | "E_GRANT_WRONG_SNAPSHOT"
  /** An authentic grant issued for the other purpose (snapshot vs restore). */
  | "E_GRANT_WRONG_PURPOSE"
  /** An authentic grant whose expiry has passed. */
  | "E_GRANT_EXPIRED";

export class KeyError extends Error {
  readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KeyError";
    this.code = code;
  }
}

/** True when `error` is a KeyError, optionally with the given code. */
export function isKeyError(error: unknown, code?: KeyErrorCode): error is KeyError {
  return error instanceof KeyError && (code === undefined || error.code === code);
}

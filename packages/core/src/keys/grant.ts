// The key grant: the control plane's signed permission for one VM to use one data key for one snapshot
// until an expiry. Its signed bytes are a fixed sequence of length-prefixed fields, not JSON: two different
// grants can never encode to the same bytes, and a verifier in another language needs no canonicalisation
// rules. docs/keys.md specifies the layout.
import { fromBase64url, fromUtf8, toBase64url, toUtf8 } from "./encoding.ts";
import { KeyError } from "./key-error.ts";
import { WRAPPED_KEY_LENGTH } from "./data-key.ts";
import { SEAL_OVERHEAD } from "./sealed-box.ts";

/** "snapshot": write a new snapshot with a fresh key; "restore": read an existing one with its key. */
export type GrantPurpose = "snapshot" | "restore";

/** What a grant says, as plain data; signGrant turns it into a token and verifyGrant back. */
export interface KeyGrant {
  v: 1;
  purpose: GrantPurpose;
  /** The only VM allowed to use the grant. */
  vmId: string;
  /** The snapshot the key is for; also the context the data key is sealed under. */
  snapshotId: string;
  /** Which customer key wrapped the data key; goes into the snapshot header beside the wrapped key. */
  keyId: string;
  /** Epoch milliseconds (an integer). The grant is valid while now < expiresAt, with no clock-skew allowance. */
  expiresAt: number;
  /** The 32-byte data key sealed to the VM's X25519 key (sealToAgent, context = snapshotId), base64url. */
  sealedDataKey: string;
  /** The data key wrapped under the customer key with AES-256-KW (40 bytes), base64url. */
  wrappedKey: string;
}

/** The version byte that starts every v1 grant payload. */
export const GRANT_VERSION = 1;
/** Domain-separation label prefixed (with a 0x00) to the payload before signing. */
export const GRANT_SIGNING_LABEL = "nacre/grant/v1";
/** Data keys are 32 bytes, so a sealed one is 32 + SEAL_OVERHEAD = 93 bytes. */
export const SEALED_DATA_KEY_LENGTH = 32 + SEAL_OVERHEAD;
/** Longest vm id, snapshot id and key id, in UTF-8 bytes (the snapshot header's key-id limit). */
export const MAX_GRANT_ID_BYTES = 255;
/** Ed25519 signatures are 64 bytes. */
export const GRANT_SIGNATURE_LENGTH = 64;

const PURPOSES: readonly GrantPurpose[] = ["snapshot", "restore"];
const EXPIRY_LENGTH = 8;

/** The v1 payload bytes of `grant`; throws KeyError E_KEY_INPUT naming the first field out of bounds. */
export function encodeGrantPayload(grant: KeyGrant): Uint8Array {
  if (grant.v !== GRANT_VERSION) throw inputError(`v is ${String(grant.v)}, expected ${GRANT_VERSION}`);
  if (!PURPOSES.includes(grant.purpose)) throw inputError('purpose must be "snapshot" or "restore"');
  if (!Number.isSafeInteger(grant.expiresAt) || grant.expiresAt < 0) {
    throw inputError("expiresAt must be a non-negative integer (epoch milliseconds)");
  }
  const expiry = Buffer.alloc(EXPIRY_LENGTH);
  expiry.writeBigUInt64BE(BigInt(grant.expiresAt));
  const fields = [
    Buffer.from(grant.purpose, "ascii"),
    idBytes(grant.vmId, "vmId"),
    idBytes(grant.snapshotId, "snapshotId"),
    idBytes(grant.keyId, "keyId"),
    expiry,
    keyBytes(grant.sealedDataKey, "sealedDataKey", SEALED_DATA_KEY_LENGTH),
    keyBytes(grant.wrappedKey, "wrappedKey", WRAPPED_KEY_LENGTH),
  ];
  const parts: Uint8Array[] = [Buffer.of(GRANT_VERSION)];
  for (const field of fields) {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(field.length);
    parts.push(length, field);
  }
  return Buffer.concat(parts);
}

/** Reads v1 payload bytes back into a grant; throws KeyError E_GRANT_MALFORMED on any deviation. */
export function decodeGrantPayload(payload: Uint8Array): KeyGrant {
  if (payload[0] !== GRANT_VERSION) throw malformed(`it does not start with version ${GRANT_VERSION}`);
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let offset = 1;
  const next = (name: string): Buffer => {
    if (offset + 2 > bytes.length) throw malformed(`it ends before ${name}`);
    const length = bytes.readUInt16BE(offset);
    if (offset + 2 + length > bytes.length) throw malformed(`${name} runs past the end`);
    offset += 2 + length;
    return bytes.subarray(offset - length, offset);
  };
  const purpose = fromUtf8(next("purpose"));
  const vmId = idText(next("vmId"), "vmId");
  const snapshotId = idText(next("snapshotId"), "snapshotId");
  const keyId = idText(next("keyId"), "keyId");
  const expiry = next("expiresAt");
  const sealed = next("sealedDataKey");
  const wrapped = next("wrappedKey");
  if (offset !== bytes.length) throw malformed(`${bytes.length - offset} byte(s) follow the last field`);
  if (!isPurpose(purpose)) throw malformed('purpose is not "snapshot" or "restore"');
  if (expiry.length !== EXPIRY_LENGTH) throw malformed(`expiresAt is ${expiry.length} bytes, not ${EXPIRY_LENGTH}`);
  const expiresAt = expiry.readBigUInt64BE();
  if (expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed("expiresAt is beyond 2^53 - 1");
  if (sealed.length !== SEALED_DATA_KEY_LENGTH) {
    throw malformed(`sealedDataKey is ${sealed.length} bytes, not ${SEALED_DATA_KEY_LENGTH}`);
  }
  if (wrapped.length !== WRAPPED_KEY_LENGTH) {
    throw malformed(`wrappedKey is ${wrapped.length} bytes, not ${WRAPPED_KEY_LENGTH}`);
  }
  return {
    v: GRANT_VERSION,
    purpose,
    vmId,
    snapshotId,
    keyId,
    expiresAt: Number(expiresAt),
    sealedDataKey: toBase64url(sealed),
    wrappedKey: toBase64url(wrapped),
  };
}

/** The exact bytes Ed25519 signs: ASCII label ‖ 0x00 ‖ payload. */
export function grantSigningMessage(payload: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(GRANT_SIGNING_LABEL, "ascii"), Buffer.of(0), payload]);
}

/** The E_GRANT_MALFORMED error for `reason`, shared by the token and payload parsers. */
export function malformed(reason: string): KeyError {
  return new KeyError(
    "E_GRANT_MALFORMED",
    `the grant token is malformed (${reason}) — it was cut short or altered in transit; ` +
      "ask the control plane for a new grant",
  );
}

function inputError(reason: string): KeyError {
  return new KeyError("E_KEY_INPUT", `cannot sign the grant: ${reason}`);
}

function isPurpose(value: string | undefined): value is GrantPurpose {
  return PURPOSES.includes(value as GrantPurpose);
}

function idBytes(text: string, name: string): Uint8Array {
  const bytes = typeof text === "string" ? toUtf8(text) : undefined;
  if (bytes === undefined || bytes.length === 0 || bytes.length > MAX_GRANT_ID_BYTES) {
    throw inputError(`${name} must be 1 to ${MAX_GRANT_ID_BYTES} UTF-8 bytes without lone surrogates`);
  }
  return bytes;
}

function idText(bytes: Uint8Array, name: string): string {
  const text = fromUtf8(bytes);
  if (text === undefined || bytes.length === 0 || bytes.length > MAX_GRANT_ID_BYTES) {
    throw malformed(`${name} is not 1 to ${MAX_GRANT_ID_BYTES} bytes of UTF-8`);
  }
  return text;
}

function keyBytes(text: string, name: string, length: number): Uint8Array {
  const bytes = typeof text === "string" ? fromBase64url(text) : undefined;
  if (bytes?.length !== length) throw inputError(`${name} must be ${length} bytes as unpadded base64url`);
  return bytes;
}

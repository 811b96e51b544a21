// Agent identity: one-time enrollment tokens, the public keys an agent enrolls with, and revocation.
// Tokens are "nacre_et_" and 32 random bytes (base64url), shown once; only their SHA-256 is stored. Consuming a token
// and writing the keys happen in one statement each inside the caller's transaction, so two agents
// racing with the same token cannot both enroll.
import { createHash, randomBytes } from "node:crypto";
import type { TransactionSql } from "../connect.ts";

export type EnrollmentErrorCode = "E_ENROLL_TOKEN_UNKNOWN" | "E_ENROLL_TOKEN_USED" | "E_ENROLL_TOKEN_EXPIRED" | "E_ENROLL_VM_GONE";

export class EnrollmentError extends Error {
  override readonly name = "EnrollmentError";
  readonly code: EnrollmentErrorCode;
  constructor(code: EnrollmentErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export interface AgentIdentity {
  vmId: string;
  customerId: string;
  region: "SG" | "US" | "EU";
  hostname: string;
  status: string;
  /** Raw 32-byte Ed25519 public key; undefined when not enrolled or revoked. */
  identityKey: Buffer | undefined;
  /** Raw 32-byte X25519 public key. */
  sealingKey: Buffer | undefined;
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

/** Every enrollment token starts with this. */
const ENROLLMENT_TOKEN_PREFIX = "nacre_et_";

/** Makes a one-time enrollment token for a VM, valid for `ttlSeconds`; returns the token (shown once). */
export async function createEnrollmentToken(tx: TransactionSql, vmId: string, ttlSeconds: number, now: Date): Promise<string> {
  // A fixed, letter-first prefix: base64url alone starts with "-" one time in 32, which a command line
  // (`nacre-agent enroll --token -abc…`) reads as an option; the prefix also lets secret scanners spot it.
  const token = `${ENROLLMENT_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  const rows = await tx`insert into public.enrollment_tokens (vm_id, customer_id, token_sha256, expires_at)
    select id, customer_id, ${sha256(token)}, ${expiresAt} from public.vms where id = ${vmId} and status <> 'deleted'
    returning id`;
  if (rows.length === 0) throw new EnrollmentError("E_ENROLL_VM_GONE", `VM ${vmId} does not exist or is deleted`);
  return token;
}

export interface EnrollInput {
  token: string;
  identityKey: Uint8Array;
  sealingKey: Uint8Array;
  now: Date;
}

/**
 * Consumes a token and records the agent's public keys on its VM; refuses used, expired or unknown tokens.
 * `firstEnrollment` is true when the VM never had an agent before (a fresh VM, see bindInitialRestore).
 */
export async function enrollAgent(tx: TransactionSql, input: EnrollInput): Promise<{ vmId: string; firstEnrollment: boolean }> {
  const hash = sha256(input.token);
  const [used] = await tx`update public.enrollment_tokens set used_at = ${input.now}
    where token_sha256 = ${hash} and used_at is null and expires_at > ${input.now}
    returning vm_id`;
  if (!used) {
    const [token] = await tx`select used_at, expires_at from public.enrollment_tokens where token_sha256 = ${hash}`;
    if (!token) throw new EnrollmentError("E_ENROLL_TOKEN_UNKNOWN", "this enrollment token is not known — ask for a new one");
    if (token["used_at"]) throw new EnrollmentError("E_ENROLL_TOKEN_USED", "this enrollment token was already used — ask for a new one");
    throw new EnrollmentError("E_ENROLL_TOKEN_EXPIRED", "this enrollment token has expired — ask for a new one");
  }
  const vmId = used["vm_id"] as string;
  // The row locked first, so the previous enrollment time read is the one this update replaces.
  const updated = await tx`update public.vms v set
      agent_identity_key = ${Buffer.from(input.identityKey)}, agent_sealing_key = ${Buffer.from(input.sealingKey)},
      agent_enrolled_at = ${input.now}, agent_revoked_at = null
    from (select id, agent_enrolled_at from public.vms where id = ${vmId} for update) as before
    where v.id = before.id and v.status <> 'deleted' returning before.agent_enrolled_at as previously`;
  if (updated.length === 0) throw new EnrollmentError("E_ENROLL_VM_GONE", `VM ${vmId} was deleted before the agent enrolled`);
  return { vmId, firstEnrollment: updated[0]?.["previously"] === null };
}

/** Forgets a VM's agent keys: its next connection fails authentication until it enrolls again. */
export async function revokeAgentIdentity(tx: TransactionSql, vmId: string, now: Date): Promise<boolean> {
  const rows = await tx`update public.vms set agent_identity_key = null, agent_sealing_key = null, agent_revoked_at = ${now}
    where id = ${vmId} and agent_identity_key is not null returning id`;
  return rows.length > 0;
}

/** The VM and its enrolled keys, for authenticating a connection and sealing data keys. */
export async function findAgentIdentity(tx: TransactionSql, vmId: string): Promise<AgentIdentity | undefined> {
  const [row] = await tx`select id, customer_id, region, hostname, status, agent_identity_key, agent_sealing_key
    from public.vms where id = ${vmId}`;
  if (!row) return undefined;
  return {
    vmId: row["id"] as string,
    customerId: row["customer_id"] as string,
    region: row["region"] as AgentIdentity["region"],
    hostname: row["hostname"] as string,
    status: row["status"] as string,
    identityKey: (row["agent_identity_key"] as Buffer | null) ?? undefined,
    sealingKey: (row["agent_sealing_key"] as Buffer | null) ?? undefined,
  };
}

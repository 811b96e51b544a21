// Decrypt locally hands a snapshot's data key to the customer's browser in two steps, so that each
// key leaves the server at most once and only to the session that asked: a ticket names one of the
// customer's snapshots and this session (kept 2 minutes, only its SHA-256 stored in Redis), and the
// unwrap redeems the ticket with GETDEL (a second redeem finds nothing).
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { VerifiedSession } from "@nacre/db";

export const TICKET_SECONDS = 120;

export interface UnwrapTicket {
  userId: string;
  sessionId: string;
  snapshotId: string;
}

const keyOf = (prefix: string, ticket: string): string => `${prefix}:unwrap-ticket:${createHash("sha256").update(ticket).digest("hex")}`;

/** The session's id as issued by the auth layer (every session carries one). */
export function sessionIdOf(session: VerifiedSession): string {
  return String(session.extraClaims?.["session_id"] ?? "");
}

/** Issues a ticket for one snapshot the caller has already found through RLS. */
export async function issueUnwrapTicket(redis: Redis, prefix: string, session: VerifiedSession, snapshotId: string): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = randomBytes(32).toString("base64url");
  const value: UnwrapTicket = { userId: session.userId, sessionId: sessionIdOf(session), snapshotId };
  await redis.set(keyOf(prefix, ticket), JSON.stringify(value), "EX", TICKET_SECONDS);
  return { ticket, expiresAt: new Date(Date.now() + TICKET_SECONDS * 1000) };
}

/** Redeems a ticket once: what it names, or undefined when it is unknown, used or expired. */
export async function redeemUnwrapTicket(redis: Redis, prefix: string, ticket: string): Promise<UnwrapTicket | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
  const raw = await redis.getdel(keyOf(prefix, ticket));
  return raw ? (JSON.parse(raw) as UnwrapTicket) : undefined;
}

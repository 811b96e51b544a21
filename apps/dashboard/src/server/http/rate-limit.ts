// Fixed-window rate limits in Redis, shared by every dashboard replica: one counter per user, action
// and window. Exports start real work on a customer's VM and unwraps hand out keys, so both are
// limited per user; the windows are short enough that an honest user never meets them twice.
import "server-only";
import type { Redis } from "ioredis";
import { HttpError } from "./responses.ts";

export interface RateLimit {
  name: string;
  limit: number;
  windowSeconds: number;
}

export const EXPORT_LIMIT: RateLimit = { name: "export", limit: 5, windowSeconds: 15 * 60 };
export const UNWRAP_LIMIT: RateLimit = { name: "unwrap", limit: 20, windowSeconds: 15 * 60 };
export const RESTORE_LIMIT: RateLimit = { name: "restore", limit: 10, windowSeconds: 15 * 60 };

/** Counts one use; throws 429 E_RATE_LIMITED with Retry-After when the window is used up. */
export async function takeRateLimit(redis: Redis, prefix: string, rule: RateLimit, userId: string, now = Date.now()): Promise<void> {
  const window = Math.floor(now / 1000 / rule.windowSeconds);
  const key = `${prefix}:rate:${rule.name}:${userId}:${window}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, rule.windowSeconds + 5).exec()) as [[Error | null, number]];
  if (count > rule.limit) {
    const retryAfter = (window + 1) * rule.windowSeconds - Math.floor(now / 1000);
    throw new HttpError(429, "E_RATE_LIMITED", `too many ${rule.name} requests; try again in ${Math.ceil(retryAfter / 60)} minute(s)`, { "retry-after": String(retryAfter) });
  }
}

// POST /api/dashboard/decrypt/ticket { snapshotId } — step one of Decrypt locally: a single-use
// ticket, valid 2 minutes, bound to this session and one of the customer's snapshots.
import * as z from "zod";
import { currentUser } from "@/server/auth/current-user.ts";
import { issueUnwrapTicket } from "@/server/decrypt/unwrap-tickets.ts";
import { mySnapshot } from "@/server/queries/customer-views.ts";
import { UNWRAP_LIMIT, takeRateLimit } from "@/server/http/rate-limit.ts";
import { answer, HttpError, json, readJson } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

const Body = z.object({ snapshotId: z.string().min(1).max(64) });

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const { config, redis } = services();
    assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    const user = await currentUser();
    if (!user || user.role !== "customer") throw new HttpError(401, "E_SIGNED_OUT", "your session has ended; sign in again");
    const body = Body.safeParse(await readJson(request));
    if (!body.success) throw new HttpError(400, "E_BAD_REQUEST", "send { snapshotId }");
    await takeRateLimit(redis, config.NACRE_DASHBOARD_REDIS_PREFIX, UNWRAP_LIMIT, user.userId);
    const snapshot = await mySnapshot(user.session, body.data.snapshotId);
    if (!snapshot) throw new HttpError(404, "E_SNAPSHOT_NOT_FOUND", "no such snapshot in your account");
    const { ticket, expiresAt } = await issueUnwrapTicket(redis, config.NACRE_DASHBOARD_REDIS_PREFIX, user.session, snapshot.id);
    return json({ ticket, expiresAt: expiresAt.toISOString() });
  });
}

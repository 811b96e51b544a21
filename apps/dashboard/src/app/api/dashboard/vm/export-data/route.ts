// POST /api/dashboard/vm/export-data { vmId } — Export now (docs/dashboard.md). The owner only;
// refusals (VM not found, deleted, agent offline, export in flight) come back with their words.
import { ExportRequestError, requestExport } from "@nacre/fleet";
import * as z from "zod";
import { currentUser } from "@/server/auth/current-user.ts";
import { answer, HttpError, json, readJson } from "@/server/http/responses.ts";
import { EXPORT_LIMIT, takeRateLimit } from "@/server/http/rate-limit.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

const Body = z.object({ vmId: z.string().min(1).max(64) });

const STATUS: Record<ExportRequestError["code"], number> = {
  E_VM_NOT_FOUND: 404, E_VM_DELETED: 409, E_AGENT_OFFLINE: 409, E_EXPORT_IN_FLIGHT: 409, E_EXPORT_NOT_QUEUED: 503,
};

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const { config, sql, redis, queue } = services();
    assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    const user = await currentUser();
    if (!user) throw new HttpError(401, "E_SIGNED_OUT", "your session has ended; sign in again");
    const body = Body.safeParse(await readJson(request));
    if (!body.success) throw new HttpError(400, "E_BAD_REQUEST", "send { vmId } with the id of one of your servers");
    await takeRateLimit(redis, config.NACRE_DASHBOARD_REDIS_PREFIX, EXPORT_LIMIT, user.userId);
    try {
      const requested = await requestExport({ sql, redis, queue, now: () => new Date() }, user.session, body.data.vmId);
      return json({ exportId: requested.exportId, vmId: requested.vmId }, 202);
    } catch (error) {
      if (error instanceof ExportRequestError) throw new HttpError(STATUS[error.code], error.code, error.words);
      throw error;
    }
  });
}

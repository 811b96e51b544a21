// POST /api/support/restores { vmId, snapshotId, confirmHostname } — the support console starts a
// restore (docs/runbooks/restore.md). Support only; the hostname typed by the engineer must be the
// VM's. The request is checked and recorded here (refusals come back at once, with their code), and a
// worker job carries it on: safety snapshot, restore.start, the agent's steps.
import { RestoreStartError, startRestore } from "@nacre/fleet";
import type { RestoreErrorCode } from "@nacre/fleet";
import * as z from "zod";
import { currentUser } from "@/server/auth/current-user.ts";
import { vmDetail } from "@/server/queries/support-views.ts";
import { RESTORE_LIMIT, takeRateLimit } from "@/server/http/rate-limit.ts";
import { answer, HttpError, json, readJson } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

const Body = z.object({
  vmId: z.string().min(1).max(64),
  snapshotId: z.string().min(1).max(64),
  confirmHostname: z.string().max(253),
});

const STATUS: Partial<Record<RestoreErrorCode, number>> = {
  E_VM_UNKNOWN: 404, E_SNAPSHOT_UNKNOWN: 404, E_RESTORE_IN_FLIGHT: 409, E_VM_NOT_ENROLLED: 409, E_SNAPSHOT_NOT_COMPLETED: 409, E_SNAPSHOT_NOT_YOURS: 422,
};

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const { config, redis, controlPlane, queue } = services();
    assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    const user = await currentUser();
    if (!user || user.role !== "support") throw new HttpError(404, "E_NOT_FOUND", "no such page");
    const body = Body.safeParse(await readJson(request));
    if (!body.success) throw new HttpError(400, "E_BAD_REQUEST", "send { vmId, snapshotId, confirmHostname }");
    await takeRateLimit(redis, config.NACRE_DASHBOARD_REDIS_PREFIX, RESTORE_LIMIT, user.userId);
    const detail = await vmDetail(user.session, body.data.vmId);
    if (!detail) throw new HttpError(404, "E_VM_UNKNOWN", "no such VM");
    if (body.data.confirmHostname.trim().toLowerCase() !== detail.vm.hostname) {
      throw new HttpError(422, "E_CONFIRM_HOSTNAME", `type the VM's hostname (${detail.vm.hostname}) exactly to confirm the restore`);
    }
    let restoreId: string;
    try {
      ({ restoreId } = await startRestore(controlPlane, { vmId: detail.vm.id, snapshotId: body.data.snapshotId, requestedBy: user.userId, trigger: "support" }));
    } catch (error) {
      if (error instanceof RestoreStartError) throw new HttpError(STATUS[error.code] ?? 409, error.code, error.message.replace(/^E_[A-Z_]+: /, ""));
      throw error;
    }
    await queue.enqueueRestore(restoreId);
    return json({ restoreId }, 202);
  });
}

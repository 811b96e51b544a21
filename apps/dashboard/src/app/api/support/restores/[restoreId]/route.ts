// GET /api/support/restores/:id — a restore's status and every step so far (from the audit log), for
// the support console's live view. Support only.
import { withUserSession } from "@nacre/db";
import { currentUser } from "@/server/auth/current-user.ts";
import { isUuid } from "@/server/queries/customer-views.ts";
import { answer, HttpError, json } from "@/server/http/responses.ts";
import { services } from "@/server/services.ts";

export async function GET(_request: Request, { params }: { params: Promise<{ restoreId: string }> }): Promise<Response> {
  return answer(async () => {
    const user = await currentUser();
    if (!user || user.role !== "support") throw new HttpError(404, "E_NOT_FOUND", "no such page");
    const { restoreId } = await params;
    if (!isUuid(restoreId)) throw new HttpError(404, "E_RESTORE_UNKNOWN", "no such restore");
    const found = await withUserSession(services().sql, user.session, async (tx) => {
      const [restore] = await tx`select status::text as status, step, error from public.restores where id = ${restoreId}`;
      if (!restore) return undefined;
      const steps = await tx`select at, details from public.audit_log
        where vm_id = (select vm_id from public.restores where id = ${restoreId})
          and details ->> 'restoreId' = ${restoreId} order by at, id`;
      return { restore, steps };
    });
    if (!found) throw new HttpError(404, "E_RESTORE_UNKNOWN", "no such restore");
    return json({
      status: found.restore["status"],
      step: found.restore["step"] ?? null,
      error: found.restore["error"] ?? null,
      steps: found.steps
        .filter((s) => typeof (s["details"] as Record<string, unknown>)["step"] === "string")
        .map((s) => {
          const details = s["details"] as Record<string, string>;
          return { at: (s["at"] as Date).toISOString(), step: details["step"], message: details["message"] ?? "" };
        }),
    });
  });
}

// GET /api/dashboard/exports/:id — how an export is doing, for the Export now button's progress.
// Another customer's export is not found, exactly like one that does not exist.
import { currentUser } from "@/server/auth/current-user.ts";
import { myExport } from "@/server/queries/customer-views.ts";
import { answer, HttpError, json } from "@/server/http/responses.ts";

export async function GET(_request: Request, { params }: { params: Promise<{ exportId: string }> }): Promise<Response> {
  return answer(async () => {
    const user = await currentUser();
    if (!user) throw new HttpError(401, "E_SIGNED_OUT", "your session has ended; sign in again");
    const found = await myExport(user.session, (await params).exportId);
    if (!found) throw new HttpError(404, "E_EXPORT_NOT_FOUND", "no such export in your account");
    return json({
      status: found.status,
      emailTo: found.emailTo,
      linkExpiresAt: found.linkExpiresAt?.toISOString() ?? null,
      error: found.error ? found.error.replace(/^E_[A-Z_]+: /, "") : null,
    });
  });
}

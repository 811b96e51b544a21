// The local stack's sign-in: issues a session for a seeded account. Absent (404) unless the build
// profile is "local" and NACRE_AUTH_MODE=local.
import { cookies } from "next/headers";
import { issueLocalSession, LOCAL_SESSION_COOKIE, LOCAL_SESSION_SECONDS } from "@/server/auth/local-session.ts";
import { findLocalAccount, localSignInEnabled } from "@/server/auth/local-accounts.ts";
import { answer, HttpError, seeOther } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    if (!localSignInEnabled()) throw new HttpError(404, "E_NOT_FOUND", "there is no local sign-in on this deployment");
    const { config } = services();
    try {
      assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    } catch {
      return seeOther(config.NACRE_DASHBOARD_ORIGIN, "/sign-in?error=E_ORIGIN");
    }
    const form = await request.formData();
    const account = await findLocalAccount(String(form.get("userId") ?? ""));
    if (!account) return seeOther(config.NACRE_DASHBOARD_ORIGIN, "/sign-in?error=E_UNKNOWN_ACCOUNT");
    const token = await issueLocalSession(config.NACRE_SESSION_SECRET!, account);
    (await cookies()).set(LOCAL_SESSION_COOKIE, token, {
      httpOnly: true, sameSite: "lax", path: "/", maxAge: LOCAL_SESSION_SECONDS,
      secure: config.NACRE_DASHBOARD_ORIGIN.startsWith("https:"),
    });
    return seeOther(config.NACRE_DASHBOARD_ORIGIN, account.role === "support" ? "/support" : "/");
  });
}

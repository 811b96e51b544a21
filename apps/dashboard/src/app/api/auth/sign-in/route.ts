// Production sign-in: email and password through Supabase Auth, whose session cookies @supabase/ssr
// sets on this response. Absent (404) when the local sign-in is in use.
import { cookies } from "next/headers";
import { supabaseForRequest } from "@/server/auth/supabase-session.ts";
import { answer, HttpError, seeOther } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const { config } = services();
    if (config.NACRE_AUTH_MODE !== "supabase") throw new HttpError(404, "E_NOT_FOUND", "this deployment signs in locally");
    assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    const form = await request.formData();
    const client = supabaseForRequest(config.SUPABASE_URL!, config.SUPABASE_ANON_KEY!, await cookies(), config.NACRE_DASHBOARD_ORIGIN.startsWith("https:"));
    const { error } = await client.auth.signInWithPassword({ email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") });
    return seeOther(config.NACRE_DASHBOARD_ORIGIN, error ? "/sign-in?error=E_SIGN_IN" : "/");
  });
}

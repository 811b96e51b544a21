// Signing out ends the session on both kinds of deployment and goes back to the sign-in page.
import { cookies } from "next/headers";
import { LOCAL_SESSION_COOKIE } from "@/server/auth/local-session.ts";
import { supabaseForRequest } from "@/server/auth/supabase-session.ts";
import { answer, seeOther } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const { config } = services();
    assertSameOrigin(request, config.NACRE_DASHBOARD_ORIGIN);
    const jar = await cookies();
    if (config.NACRE_AUTH_MODE === "local") {
      jar.delete(LOCAL_SESSION_COOKIE);
    } else {
      await supabaseForRequest(config.SUPABASE_URL!, config.SUPABASE_ANON_KEY!, jar, config.NACRE_DASHBOARD_ORIGIN.startsWith("https:")).auth.signOut();
    }
    return seeOther(config.NACRE_DASHBOARD_ORIGIN, "/sign-in");
  });
}

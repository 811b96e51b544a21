// GET /api/health — readiness: the environment is valid for this build, and Postgres and Redis answer.
// The load balancer and the process entry (src/main.ts) ask it; it reveals nothing about tenants.
import { answer, json, problem } from "@/server/http/responses.ts";
import { services } from "@/server/services.ts";

export async function GET(): Promise<Response> {
  return answer(async () => {
    let svc;
    try {
      svc = services();
    } catch (error) {
      return problem(503, "E_CONFIG", (error as Error).message);
    }
    try {
      await svc.sql`select 1`;
      await svc.redis.ping();
    } catch (error) {
      return problem(503, "E_UNAVAILABLE", `a dependency is unreachable: ${(error as Error).message}`);
    }
    return json({ ok: true });
  });
}

// POST /api/dashboard/decrypt/unwrap { ticket, header } — step two of Decrypt locally: redeems the
// ticket (once), checks the file's header is the snapshot's, and answers the file's data key.
// Never cached (Cache-Control: no-store, from json()); the key is not logged or stored anywhere.
import * as z from "zod";
import { currentUser } from "@/server/auth/current-user.ts";
import { MAX_HEADER_BYTES, unwrapForOwner } from "@/server/decrypt/unwrap-data-key.ts";
import { redeemUnwrapTicket, sessionIdOf } from "@/server/decrypt/unwrap-tickets.ts";
import { answer, HttpError, json, readJson } from "@/server/http/responses.ts";
import { assertSameOrigin } from "@/server/http/same-origin.ts";
import { services } from "@/server/services.ts";

const Body = z.object({
  ticket: z.string().min(1).max(100),
  header: z.string().min(1).max(Math.ceil(MAX_HEADER_BYTES / 3) * 4 + 4),
});

export async function POST(request: Request): Promise<Response> {
  return answer(async () => {
    const svc = services();
    assertSameOrigin(request, svc.config.NACRE_DASHBOARD_ORIGIN);
    const user = await currentUser();
    if (!user || user.role !== "customer") throw new HttpError(401, "E_SIGNED_OUT", "your session has ended; sign in again");
    const body = Body.safeParse(await readJson(request));
    if (!body.success) throw new HttpError(400, "E_BAD_REQUEST", "send { ticket, header } (the header base64-encoded)");
    const ticket = await redeemUnwrapTicket(svc.redis, svc.config.NACRE_DASHBOARD_REDIS_PREFIX, body.data.ticket);
    if (!ticket || ticket.userId !== user.userId || ticket.sessionId !== sessionIdOf(user.session)) {
      throw new HttpError(403, "E_TICKET", "this decrypt request has expired or was already used; start again");
    }
    const header = new Uint8Array(Buffer.from(body.data.header, "base64"));
    const dataKey = await unwrapForOwner(svc, user.session, ticket.snapshotId, header);
    const encoded = Buffer.from(dataKey).toString("base64");
    dataKey.fill(0);
    return json({ dataKey: encoded, snapshotId: ticket.snapshotId });
  });
}

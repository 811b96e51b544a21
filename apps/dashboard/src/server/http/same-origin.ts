// Every mutating route checks that the request comes from the dashboard's own pages: session cookies
// are SameSite=Lax, and this Origin check closes what Lax leaves open (and any subdomain on the same
// site). Browsers send Origin on every POST; when it is missing, Sec-Fetch-Site must say same-origin.
import "server-only";
import { HttpError } from "./responses.ts";

/** Throws 403 E_ORIGIN unless the request was made by a page of `origin`. */
export function assertSameOrigin(request: Request, origin: string): void {
  const sent = request.headers.get("origin");
  if (sent !== null) {
    if (sent === origin) return;
  } else if (request.headers.get("sec-fetch-site") === "same-origin") {
    return;
  }
  throw new HttpError(403, "E_ORIGIN", "this request did not come from the dashboard's own pages; reload the dashboard and try again");
}

// The one shape every API route answers with: JSON, never cached (keys, links and account data must
// not sit in a proxy or the browser's cache), errors as { error: { code, message } } with the sentence
// a person can act on.
import "server-only";

const NO_STORE = { "cache-control": "no-store", "content-type": "application/json; charset=utf-8" };

/** A JSON success answer. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...NO_STORE, ...headers } });
}

/** 303 See Other to a page of the dashboard (after a form POST), never cached. */
export function seeOther(origin: string, path: string): Response {
  return new Response(null, { status: 303, headers: { location: new URL(path, origin).toString(), "cache-control": "no-store" } });
}

/** A JSON error answer with a stable code and a sentence that says what to do. */
export function problem(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message } }, status, headers);
}

/** Parses a JSON request body; a malformed one is the caller's error, answered 400. */
export async function readJson(request: Request, maxBytes = 16 * 1024): Promise<unknown> {
  const text = await request.text();
  if (text.length > maxBytes) throw new HttpError(413, "E_BODY_TOO_LARGE", `the request body is over ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "E_BAD_JSON", "the request body is not valid JSON");
  }
}

/** An error a route answers as is (thrown from guards and parsers). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Runs a route body, turning HttpError into its answer and anything else into a logged 500. */
export async function answer(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpError) return problem(error.status, error.code, error.message, error.headers);
    console.error(JSON.stringify({ level: "error", msg: "dashboard route failed", error: String((error as Error)?.stack ?? error) }));
    return problem(500, "E_INTERNAL", "something went wrong on our side; please try again in a minute");
  }
}

// A Resend-compatible HTTP server on 127.0.0.1 that records instead of sending. The product keeps
// using the real Resend SDK; tests and the dev stack point it here with `new Resend(key, { baseUrl })`
// or RESEND_BASE_URL, so what is exercised is the product's real request, errors included.
// In-process (unlike the S3 server) because it is plain node:http; email-recorder-main.ts runs it
// as a child process for the dev stack.
import { randomUUID } from "node:crypto";
import { appendFile, mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { renderEmailView, renderInboxPage, renderUnknownEmail, VIEW_CSP } from "./email-inbox-page.ts";
import { authenticate, fingerprintOf, parseSendEmail, resendError, toResendEmail } from "./resend-api.ts";
import type { RecordedEmail, ResendError } from "./resend-api.ts";
import { readRequestBody } from "./read-request-body.ts";
import { loadEmails } from "./load-emails.ts";

/** The key the recorder accepts unless told otherwise ("re_" like a real key, so SDK checks pass). */
export const DEFAULT_RESEND_API_KEY = "re_nacre_local";
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface EmailRecorderOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The key clients must send as `Authorization: Bearer <key>`; DEFAULT_RESEND_API_KEY by default. */
  apiKey?: string;
  /** Append every accepted email to `<dir>/emails.jsonl`; the emails already there are listed again. */
  dir?: string;
  /** Largest request body accepted (413 beyond); 1 MiB by default. */
  maxBodyBytes?: number;
}

export interface EmailRecorder {
  /** What to pass as the SDK's `baseUrl` (or RESEND_BASE_URL), e.g. http://127.0.0.1:40123. */
  baseUrl: string;
  apiKey: string;
  /** The JSON-lines file emails are appended to, when `dir` was given. */
  file: string | null;
  /** Every email accepted so far (since the last clear()), oldest first. */
  emails(): RecordedEmail[];
  /** Resolves with the first email, already recorded or still to come, that matches. */
  waitForEmail(predicate: (email: RecordedEmail) => boolean, timeoutMs?: number): Promise<RecordedEmail>;
  /** Forgets the emails and idempotency keys held in memory (the file, if any, is kept). */
  clear(): void;
  stop(): Promise<void>;
}

interface IdempotencyEntry {
  fingerprint: string;
  id: string;
  pending: boolean;
}

interface Waiter {
  predicate: (email: RecordedEmail) => boolean;
  resolve: (email: RecordedEmail) => void;
  reject: (err: Error) => void;
}

/** Starts the recorder on 127.0.0.1 and resolves once it listens. */
export async function startEmailRecorder(options: EmailRecorderOptions = {}): Promise<EmailRecorder> {
  const apiKey = options.apiKey ?? DEFAULT_RESEND_API_KEY;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const file = options.dir === undefined ? null : join(options.dir, "emails.jsonl");
  if (options.dir !== undefined) await mkdir(options.dir, { recursive: true });
  const emails: RecordedEmail[] = file ? await loadEmails(file) : [];
  const idempotency = new Map<string, IdempotencyEntry>();
  const waiters = new Set<Waiter>();

  const record = (email: RecordedEmail): void => {
    emails.push(email);
    for (const waiter of waiters) {
      try {
        if (!waiter.predicate(email)) continue;
        waiter.resolve(email);
      } catch (err) {
        waiter.reject(err as Error);
      }
      waiters.delete(waiter);
    }
  };

  const sendEmail = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const denied = authenticate(req.headers.authorization, apiKey);
    if (denied) return sendError(res, denied, () => req.resume());
    const body = await readRequestBody(req, maxBodyBytes);
    if (body.kind === "aborted") return;
    if (body.kind === "too-large") {
      return sendError(res, resendError(413, "validation_error", `The request body exceeds ${maxBodyBytes} bytes, the recorder's limit.`));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.bytes.toString("utf8"));
    } catch (err) {
      return sendError(res, resendError(400, "validation_error", `The request body is not valid JSON: ${(err as Error).message}.`));
    }
    const fields = parseSendEmail(parsed);
    if ("statusCode" in fields) return sendError(res, fields);

    const rawKey = req.headers["idempotency-key"];
    const key = rawKey === undefined ? null : String(rawKey);
    if (key !== null && (key.length === 0 || key.length > 256)) {
      return sendError(res, resendError(400, "invalid_idempotency_key", "The key must be between 1-256 chars."));
    }
    const fingerprint = fingerprintOf(parsed);
    const seen = key === null ? undefined : idempotency.get(key);
    if (seen && seen.fingerprint !== fingerprint) {
      const message = "Same idempotency key used with a different request payload. Change your idempotency key or payload.";
      return sendError(res, resendError(409, "invalid_idempotent_request", message));
    }
    if (seen?.pending) {
      const message = "Same idempotency key used while original request is still in progress. Try the request again later.";
      return sendError(res, resendError(409, "concurrent_idempotent_requests", message));
    }
    if (seen) return sendJson(res, 200, { id: seen.id });

    const email: RecordedEmail = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      ...fields,
      idempotencyKey: key,
      userAgent: req.headers["user-agent"] ?? null,
    };
    const entry: IdempotencyEntry = { fingerprint, id: email.id, pending: true };
    if (key !== null) idempotency.set(key, entry);
    if (file) {
      try {
        await appendFile(file, JSON.stringify(email) + "\n");
      } catch (err) {
        // not recorded anywhere, so a retry with the same key must be free to try again
        if (key !== null) idempotency.delete(key);
        const message = `The recorder could not append to ${file}: ${(err as Error).message}. Check that the directory is writable.`;
        return sendError(res, resendError(500, "internal_server_error", message));
      }
    }
    entry.pending = false;
    record(email);
    sendJson(res, 200, { id: email.id });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? "/", "http://recorder.invalid");
    const method = req.method ?? "GET";
    const emailId = /^\/emails\/([^/]+)$/.exec(pathname)?.[1];
    const viewId = /^\/view\/([^/]+)$/.exec(pathname)?.[1];
    if (pathname === "/emails") {
      if (method === "POST") return sendEmail(req, res);
      return notAllowed(req, res, "POST");
    }
    if (emailId !== undefined) {
      if (method !== "GET") return notAllowed(req, res, "GET");
      const denied = authenticate(req.headers.authorization, apiKey);
      if (denied) return sendError(res, denied, () => req.resume());
      const email = emails.find((e) => e.id === emailId);
      if (!email) return sendError(res, resendError(404, "not_found", "Email not found"), () => req.resume());
      req.resume();
      return sendJson(res, 200, toResendEmail(email));
    }
    req.resume();
    if (method === "GET" && pathname === "/") return sendHtml(res, 200, renderInboxPage(emails));
    if (method === "GET" && viewId !== undefined) {
      const email = emails.find((e) => e.id === viewId);
      if (!email) return sendHtml(res, 404, renderUnknownEmail(viewId));
      res.setHeader("content-security-policy", VIEW_CSP);
      return sendHtml(res, 200, renderEmailView(email));
    }
    const message = `The recorder implements POST /emails and GET /emails/:id (and GET / for people), not ${method} ${pathname}.`;
    sendError(res, resendError(404, "not_found", message));
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      // a handler bug must answer this request, not take the recorder down
      if (res.headersSent) return void res.destroy();
      sendError(res, resendError(500, "internal_server_error", `The recorder failed: ${(err as Error).message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    file,
    emails: () => [...emails],
    waitForEmail: (predicate, timeoutMs = 5_000) =>
      new Promise<RecordedEmail>((resolve, reject) => {
        const already = emails.find(predicate);
        if (already) return resolve(already);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const subjects = emails.map((e) => JSON.stringify(e.subject)).join(", ") || "none";
          reject(new Error(`E_EMAIL_TIMEOUT: no matching email within ${timeoutMs} ms (recorded subjects: ${subjects})`));
        }, timeoutMs);
        const waiter: Waiter = {
          predicate,
          resolve: (email) => {
            clearTimeout(timer);
            resolve(email);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        waiters.add(waiter);
      }),
    clear() {
      emails.length = 0;
      idempotency.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const waiter of waiters) waiter.reject(new Error("E_EMAIL_RECORDER_STOPPED: the recorder stopped while waiting"));
        waiters.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function notAllowed(req: IncomingMessage, res: ServerResponse, allowed: string): void {
  req.resume();
  res.setHeader("allow", allowed);
  sendError(res, resendError(405, "method_not_allowed", `Method ${req.method ?? "?"} is not allowed here; use ${allowed}.`));
}

/** Answers a Resend error; `beforeSend` lets a caller discard a body it will not read. */
function sendError(res: ServerResponse, error: ResendError, beforeSend?: () => void): void {
  beforeSend?.();
  sendJson(res, error.statusCode, error);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
  res.end(html);
}

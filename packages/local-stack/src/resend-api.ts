// The slice of Resend's HTTP API that the email recorder speaks: the error body every failure
// carries, Bearer auth, what makes two idempotent requests "the same", and the validation of a
// POST /emails body. Error names and statuses follow
// https://resend.com/docs/api-reference/errors, because the SDK hands them to the product as
// `error.name` / `error.statusCode` and product code branches on them.
import { createHash } from "node:crypto";

export type ResendErrorName =
  | "validation_error"
  | "missing_api_key"
  | "invalid_api_key"
  | "invalid_idempotency_key"
  | "invalid_idempotent_request"
  | "concurrent_idempotent_requests"
  | "not_found"
  | "method_not_allowed"
  | "internal_server_error";

/** The JSON body of every Resend error response. */
export interface ResendError {
  statusCode: number;
  name: ResendErrorName;
  message: string;
}

/** One email as the recorder stores it; field names follow the API (snake_case becomes camelCase). */
export interface RecordedEmail {
  /** A UUID, like Resend's. */
  id: string;
  /** ISO 8601, when the recorder accepted it. */
  createdAt: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  /** As sent: file name, content type and base64 content or a path. */
  attachments: unknown[];
  scheduledAt: string | null;
  idempotencyKey: string | null;
  /** The client's User-Agent, e.g. "resend-node:6.38.0". */
  userAgent: string | null;
}

export type SendEmailFields = Omit<RecordedEmail, "id" | "createdAt" | "idempotencyKey" | "userAgent">;

/** Resend's own limit on recipients per field. */
const MAX_RECIPIENTS = 50;
const BARE_ADDRESS = /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/;
const NAMED_ADDRESS = /^[^<>]*<([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>$/;

/** A Resend error body. */
export function resendError(statusCode: number, name: ResendErrorName, message: string): ResendError {
  return { statusCode, name, message };
}

/** Validates a POST /emails body the way Resend does (422 validation_error), or returns its fields. */
export function parseSendEmail(body: unknown): SendEmailFields | ResendError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid("The request body must be a JSON object with `from`, `to`, `subject` and `html` or `text`.");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.from !== "string" || !isAddress(b.from)) {
    return invalid(
      "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.",
    );
  }
  const to = addressList(b.to, "to", true);
  if (!Array.isArray(to)) return to;
  const cc = addressList(b.cc, "cc", false);
  if (!Array.isArray(cc)) return cc;
  const bcc = addressList(b.bcc, "bcc", false);
  if (!Array.isArray(bcc)) return bcc;
  const replyTo = addressList(b.reply_to, "reply_to", false);
  if (!Array.isArray(replyTo)) return replyTo;
  if (typeof b.subject !== "string" || b.subject.trim() === "") return invalid("Missing `subject` field.");
  const html = optionalString(b.html);
  const text = optionalString(b.text);
  if (html === undefined || text === undefined) return invalid("The `html` and `text` fields must be strings.");
  if (!html && !text) return invalid("Missing `html` or `text` field.");
  if (b.headers !== undefined && !isStringRecord(b.headers)) {
    return invalid("The `headers` field must be an object of string values.");
  }
  if (b.tags !== undefined && !isTagList(b.tags)) {
    return invalid("The `tags` field must be an array of { name, value } strings.");
  }
  if (b.attachments !== undefined && !Array.isArray(b.attachments)) return invalid("The `attachments` field must be an array.");
  const scheduledAt = optionalString(b.scheduled_at);
  if (scheduledAt === undefined) return invalid("The `scheduled_at` field must be a string.");
  return {
    from: b.from,
    to,
    cc,
    bcc,
    replyTo,
    subject: b.subject,
    html,
    text,
    headers: (b.headers as Record<string, string> | undefined) ?? {},
    tags: (b.tags as { name: string; value: string }[] | undefined) ?? [],
    attachments: (b.attachments as unknown[] | undefined) ?? [],
    scheduledAt,
  };
}

/** The GET /emails/:id body, shaped like Resend's (GetEmailResponseSuccess in the SDK). */
export function toResendEmail(email: RecordedEmail): Record<string, unknown> {
  return {
    object: "email",
    id: email.id,
    message_id: `<${email.id}@nacre.local>`,
    created_at: email.createdAt,
    from: email.from,
    to: email.to,
    cc: email.cc.length > 0 ? email.cc : null,
    bcc: email.bcc.length > 0 ? email.bcc : null,
    reply_to: email.replyTo.length > 0 ? email.replyTo : null,
    subject: email.subject,
    html: email.html,
    text: email.text,
    tags: email.tags,
    scheduled_at: email.scheduledAt,
    last_event: "delivered",
  };
}

/** null when the Authorization header carries the configured key; the Resend error to answer otherwise. */
export function authenticate(authorization: string | undefined, apiKey: string): ResendError | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) {
    const message =
      "Missing API key in the authorization header. Include the following header `Authorization: Bearer YOUR_API_KEY` in the request.";
    return resendError(401, "missing_api_key", message);
  }
  if (match[1] !== apiKey) {
    return resendError(403, "invalid_api_key", `API key is invalid. This local recorder accepts only "${apiKey}".`);
  }
  return null;
}

/** A digest of the request's meaning: key order and whitespace do not make two bodies different. */
export function fingerprintOf(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (typeof v !== "object" || v === null) return v;
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, inner]) => [k, canonical(inner)]));
  };
  return createHash("sha256").update(JSON.stringify(canonical(value))).digest("hex");
}

function invalid(message: string): ResendError {
  return resendError(422, "validation_error", message);
}

function isAddress(value: string): boolean {
  return BARE_ADDRESS.test(value.trim()) || NAMED_ADDRESS.test(value.trim());
}

/** A string or an array of strings, each an address; absent is an empty list unless required. */
function addressList(value: unknown, field: string, required: boolean): string[] | ResendError {
  if (value === undefined || value === null) return required ? invalid(`Missing \`${field}\` field.`) : [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || (required && list.length === 0)) {
    return invalid(`Invalid \`${field}\` field. It must be an email address or an array of them.`);
  }
  if (list.length > MAX_RECIPIENTS) return invalid(`The \`${field}\` field holds more than ${MAX_RECIPIENTS} addresses.`);
  for (const item of list) {
    if (typeof item !== "string" || !isAddress(item)) {
      return invalid(
        `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
      );
    }
  }
  return list as string[];
}

/** null when absent, undefined when present but not a string. */
function optionalString(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : undefined;
}

function isStringRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

function isTagList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((t) => typeof t === "object" && t !== null && typeof t.name === "string" && typeof t.value === "string")
  );
}

// One error class for everything the protocol refuses. The codes are stable: they travel in `error` frames
// (so the other side of the link keys on them), in logs, and docs/protocol.md lists them. A decoder never
// throws (a bad frame from the other side is routine); encodeMessage and authSigningBytes throw, because bad
// input there is a bug on this side. Either way the message names only the first offending field, written the
// way it is reached in code (`payload.parts[3].number`), so the reader finds it at once.
import type { z } from "zod";
import { MAX_TEXT_LENGTH } from "./fields.ts";

export type ProtocolErrorCode =
  /** The frame is larger than MAX_FRAME_BYTES; it was refused before parsing. */
  | "E_FRAME_TOO_LARGE"
  /** The frame is not UTF-8 JSON text (binary garbage, truncated JSON, or not text or bytes at all). */
  | "E_NOT_JSON"
  /** The JSON is not a `{ v, type, id, payload }` envelope: a field is missing or out of bounds. */
  | "E_BAD_ENVELOPE"
  /** The envelope names a protocol version this side does not speak. */
  | "E_UNSUPPORTED_VERSION"
  /** The `type` is not one the receiving side accepts (unknown, or meant for the other direction). */
  | "E_UNKNOWN_TYPE"
  /** The payload does not match the schema of its type; the message names the first offending field. */
  | "E_BAD_PAYLOAD";

/** Every code a decoder can report, in the order the checks run. */
export const PROTOCOL_ERROR_CODES: readonly ProtocolErrorCode[] = [
  "E_FRAME_TOO_LARGE",
  "E_NOT_JSON",
  "E_BAD_ENVELOPE",
  "E_UNSUPPORTED_VERSION",
  "E_UNKNOWN_TYPE",
  "E_BAD_PAYLOAD",
];

/** What a decoder reports instead of a message; `id` is kept when the envelope had a usable one. */
export interface DecodeError {
  code: ProtocolErrorCode;
  /** Names what is wrong and what to do, without the code; fits an `error` frame's message. */
  message: string;
  /** The frame's id, so the `error` frame sent back can carry it as `replyTo`. */
  id?: string;
}

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** True when `error` is a ProtocolError, optionally with the given code. */
export function isProtocolError(error: unknown, code?: ProtocolErrorCode): error is ProtocolError {
  return error instanceof ProtocolError && (code === undefined || error.code === code);
}

/** `prefix` plus the path of `issue`, e.g. ("payload", ["parts", 3, "number"]) → "payload.parts[3].number". */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text === "" ? "(frame)" : text;
}

/** "path: what zod says" for the first issue of `error`; the caller adds what to do. */
export function describeFirstIssue(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${prefix}: invalid`;
  return `${issuePath(prefix, issue.path)}: ${issue.message}`;
}

/** Cuts `text` to fit an `error` frame's message (MAX_TEXT_LENGTH characters). */
export function clip(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}

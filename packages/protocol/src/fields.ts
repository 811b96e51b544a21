// Constants and the field schemas the messages are built from. Each bound has an origin: S3 and R2 fix the
// part numbers and sizes, the grant token's length comes from @nacre/core's MAX_GRANT_TOKEN_LENGTH (restated
// here, since this package depends on zod alone), and the rest keep one frame well under MAX_FRAME_BYTES.
import * as z from "zod";

/** The `v` of every envelope this code writes and the only one it reads. */
export const PROTOCOL_VERSION = 1;
/** Largest frame, in bytes of UTF-8, either side sends or accepts; checked before JSON.parse. */
export const MAX_FRAME_BYTES = 512 * 1024;
/** Most pre-signed part URLs the agent may ask for, and the gateway may send, in one exchange. */
export const MAX_PARTS_PER_BATCH = 200;
/** S3 and R2 refuse part numbers above this, so no upload has more parts. */
export const MAX_PARTS_PER_UPLOAD = 10_000;
/** S3's smallest part (every part but the last must be at least this big). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's and R2's largest part. */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
/** Longest free-text message (error and failure reports, restore steps' messages). */
export const MAX_TEXT_LENGTH = 2000;

const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ERROR_CODE = /^E_[A-Z0-9_]+$/;
// Canonical unpadded base64url: 32 bytes leave 2 unused bits in the last character, 64 bytes leave 4; those
// bits must be zero, so each byte string has exactly one accepted text (and a signed nonce cannot be respelt).
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const BASE64URL_64_BYTES = /^[A-Za-z0-9_-]{85}[AQgw]$/;
// Control characters and lone surrogates: neither belongs in an identifier, and a lone surrogate has no UTF-8
// form (TextEncoder writes U+FFFD), so two different ids could stand for the same signed bytes.
const NOT_PLAIN_TEXT = /[\p{Cc}\p{Cs}]/u;

/** An envelope id: the idempotency key of a command, and what a reply's `replyTo` names. */
export const MessageId = z.string().regex(MESSAGE_ID, "expected 1 to 64 characters of A-Z a-z 0-9 _ -");
export type MessageId = z.infer<typeof MessageId>;

/** A stable error code such as E_BAD_PAYLOAD. */
export const ErrorCode = z.string().max(64).regex(ERROR_CODE, "expected an error code like E_SOMETHING");
export type ErrorCode = z.infer<typeof ErrorCode>;

export const Uuid = z.uuid();
/** ISO-8601 in UTC with a `Z` (fractional seconds allowed); offsets are refused so times compare as text. */
export const IsoTime = z.iso.datetime();
export const HttpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).max(4096);
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits");
export const Nonce = z.string().regex(BASE64URL_32_BYTES, "expected 32 bytes as unpadded base64url (43 characters)");
export const Ed25519Signature = z
  .string()
  .regex(BASE64URL_64_BYTES, "expected 64 bytes as unpadded base64url (86 characters)");
/** An opaque signed grant from @nacre/core (its MAX_GRANT_TOKEN_LENGTH is 2048). */
export const GrantToken = z.string().min(1).max(2048);
export const GatewayId = z
  .string()
  .min(1)
  .max(64)
  .refine((id) => !NOT_PLAIN_TEXT.test(id), "expected no control characters or lone surrogates");
export const AgentVersion = z.string().min(1).max(64);
export const PartNumber = z.int().min(1).max(MAX_PARTS_PER_UPLOAD);
export const ByteCount = z.int().min(0);
export const Text = z.string().max(MAX_TEXT_LENGTH);

/** Payload of `error`, the one type both directions share: a frame was refused or a request failed. */
export const ErrorPayload = z.object({
  code: ErrorCode,
  message: Text,
  /** The id of the frame this answers, when it had a usable one. */
  replyTo: MessageId.optional(),
});
export type ErrorPayload = z.infer<typeof ErrorPayload>;

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A fresh random message id: 22 base64url characters (132 random bits). */
export function newMessageId(): string {
  // 64 divides 256, so masking each byte to 6 bits keeps every character uniform.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(22));
  let id = "";
  for (const byte of bytes) id += ID_ALPHABET.charAt(byte & 63);
  return id;
}

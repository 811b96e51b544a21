// Turns what a WebSocket library hands over (text, a Buffer, an ArrayBuffer, or a list of Buffers for a
// fragmented message) into text, refusing an oversize frame by its byte length first: nothing is copied,
// decoded or parsed for a frame that is over the cap.
import { MAX_FRAME_BYTES } from "./fields.ts";
import type { DecodeError } from "./protocol-error.ts";

/** A frame as `ws` delivers it (`string | Buffer | ArrayBuffer | Buffer[]`), or any byte view. */
export type RawFrame = string | ArrayBuffer | ArrayBufferView | readonly Uint8Array[];

type FrameText = { ok: true; text: string } | { ok: false; error: DecodeError };

const decoder = new TextDecoder("utf-8", { fatal: true });

const TOO_LARGE: DecodeError = {
  code: "E_FRAME_TOO_LARGE",
  message:
    `the frame is larger than ${MAX_FRAME_BYTES} bytes — the sender must keep every frame within ` +
    "MAX_FRAME_BYTES, e.g. by asking for fewer parts at a time",
};
const NOT_TEXT: DecodeError = {
  code: "E_NOT_JSON",
  message: "the frame is not UTF-8 text — send each message as one JSON text frame",
};

/** Bytes of `text` as UTF-8 (a lone surrogate counts 3, as TextEncoder writes U+FFFD for it). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit < 0xe000;
}

/** The frame as text if it is within MAX_FRAME_BYTES and valid UTF-8; never throws. */
export function frameText(data: unknown): FrameText {
  if (typeof data === "string") {
    // UTF-8 never takes fewer bytes than UTF-16 code units, nor more than three per unit: most frames are
    // settled by their length alone.
    if (data.length > MAX_FRAME_BYTES) return { ok: false, error: TOO_LARGE };
    if (data.length * 3 > MAX_FRAME_BYTES && utf8Length(data) > MAX_FRAME_BYTES) {
      return { ok: false, error: TOO_LARGE };
    }
    return { ok: true, text: data };
  }
  const bytes = asBytes(data);
  if (bytes === undefined) return { ok: false, error: NOT_TEXT };
  if (bytes === "too large") return { ok: false, error: TOO_LARGE };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, error: NOT_TEXT };
  }
}

function asBytes(data: unknown): Uint8Array | "too large" | undefined {
  if (data instanceof ArrayBuffer) {
    return data.byteLength > MAX_FRAME_BYTES ? "too large" : new Uint8Array(data);
  }
  if (ArrayBuffer.isView(data)) {
    if (data.byteLength > MAX_FRAME_BYTES) return "too large";
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (!Array.isArray(data) || !data.every((chunk) => chunk instanceof Uint8Array)) return undefined;
  const chunks = data as Uint8Array[];
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  if (total > MAX_FRAME_BYTES) return "too large";
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

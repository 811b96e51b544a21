import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeAgentMessage, decodeGatewayMessage } from "./decode-message.ts";
import { EXAMPLES, rawFrame } from "./examples.ts";
import { MAX_FRAME_BYTES } from "./fields.ts";
import type { DecodeResult } from "./decode-message.ts";
import type { ProtocolErrorCode } from "./protocol-error.ts";

const heartbeat = rawFrame("heartbeat", EXAMPLES.heartbeat, "hb-1");

function refusal(result: DecodeResult<unknown>): { code: ProtocolErrorCode; id?: string } {
  if (result.ok) throw new Error("expected the frame to be refused");
  return result.error.id === undefined ? { code: result.error.code } : { code: result.error.code, id: result.error.id };
}

describe("the envelope", () => {
  it("refuses frames that are not JSON, or not a JSON object, without an id to answer", () => {
    for (const text of ["", "{", "hello", '{"v":1,', "\u0000"]) {
      expect(refusal(decodeAgentMessage(text))).toEqual({ code: "E_NOT_JSON" });
    }
    for (const text of ["null", "[]", "1", '"text"', "true"]) {
      expect(refusal(decodeAgentMessage(text))).toEqual({ code: "E_BAD_ENVELOPE" });
    }
  });

  it("refuses a missing or malformed id, type or payload as E_BAD_ENVELOPE naming the field", () => {
    const cases: [unknown, string][] = [
      [{ v: 1, type: "heartbeat", payload: {} }, "id:"],
      [{ v: 1, type: "heartbeat", id: "", payload: {} }, "id:"],
      [{ v: 1, type: "heartbeat", id: "a".repeat(65), payload: {} }, "id:"],
      [{ v: 1, type: "heartbeat", id: "a b", payload: {} }, "id:"],
      [{ v: 1, id: "x", payload: {} }, "type:"],
      [{ v: 1, type: "", id: "x", payload: {} }, "type:"],
      [{ v: 1, type: "heartbeat", id: "x" }, "payload:"],
      [{ v: 1, type: "heartbeat", id: "x", payload: [] }, "payload:"],
      [{ v: "1", type: "heartbeat", id: "x", payload: {} }, "v:"],
      [{ type: "heartbeat", id: "x", payload: {} }, "v:"],
    ];
    for (const [envelope, field] of cases) {
      const result = decodeAgentMessage(JSON.stringify(envelope));
      expect(result.ok ? "accepted" : `${result.error.code} ${result.error.message.slice(0, field.length)}`).toBe(
        `E_BAD_ENVELOPE ${field}`,
      );
    }
  });

  it("takes ids of 1 and 64 characters", () => {
    for (const id of ["a", "A-z_0".padEnd(64, "9")]) {
      expect(decodeAgentMessage(rawFrame("heartbeat", EXAMPLES.heartbeat, id)).ok).toBe(true);
    }
  });

  it("refuses another protocol version, whatever else the frame holds, and keeps the id", () => {
    const v2 = '{"v":2,"type":"hello.v2","id":"m-9","body":{}}';
    expect(refusal(decodeAgentMessage(v2))).toEqual({ code: "E_UNSUPPORTED_VERSION", id: "m-9" });
    expect(refusal(decodeGatewayMessage('{"v":0}'))).toEqual({ code: "E_UNSUPPORTED_VERSION" });
  });

  it("drops unknown envelope and payload fields instead of refusing them", () => {
    const frame = JSON.stringify({
      v: 1,
      type: "snapshot.done",
      id: "d-1",
      trace: "abc",
      payload: { ...EXAMPLES["snapshot.done"], compression: "zstd", parts: [{ number: 1, etag: "e", crc: 7 }] },
    });
    const result = decodeAgentMessage(frame);
    expect(result).toEqual({
      ok: true,
      message: {
        v: 1,
        type: "snapshot.done",
        id: "d-1",
        payload: { ...EXAMPLES["snapshot.done"], parts: [{ number: 1, etag: "e" }] },
      },
    });
  });
});

describe("message types", () => {
  it("refuses an unknown type as E_UNKNOWN_TYPE and keeps the id for replyTo", () => {
    const teleport = rawFrame("snapshot.teleport", {}, "cmd-42");
    expect(refusal(decodeAgentMessage(teleport))).toEqual({ code: "E_UNKNOWN_TYPE", id: "cmd-42" });
    // Names inherited by every object are not message types either.
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(refusal(decodeGatewayMessage(rawFrame(type, {}, "x")))).toEqual({ code: "E_UNKNOWN_TYPE", id: "x" });
    }
  });

  it("refuses a message sent the wrong way: what the agent sends, the agent does not accept", () => {
    expect(refusal(decodeGatewayMessage(heartbeat))).toEqual({ code: "E_UNKNOWN_TYPE", id: "hb-1" });
    expect(refusal(decodeAgentMessage(rawFrame("snapshot.start", EXAMPLES["snapshot.start"], "c-1")))).toEqual({
      code: "E_UNKNOWN_TYPE",
      id: "c-1",
    });
  });

  it("names the first offending payload field and keeps the id", () => {
    const parts = [1, 2, 3, -4].map((number) => ({ number, etag: "e" }));
    const result = decodeAgentMessage(rawFrame("snapshot.done", { ...EXAMPLES["snapshot.done"], parts }, "d-7"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: "E_BAD_PAYLOAD", id: "d-7" });
    expect(result.error.message).toMatch(/^payload\.parts\[3\]\.number: .+ — .*fix the sender$/);
  });
});

describe("frame size and bytes", () => {
  afterEach(() => vi.restoreAllMocks());
  // A heartbeat padded with an unknown field to exactly `bytes` bytes of UTF-8.
  const padded = (bytes: number, filler = "x") => {
    const frame = (pad: string) => rawFrame("heartbeat", { ...EXAMPLES.heartbeat, pad });
    const room = bytes - Buffer.byteLength(frame(""));
    const size = Buffer.byteLength(filler);
    return frame(filler.repeat(Math.floor(room / size)) + "x".repeat(room % size));
  };

  it("takes a frame of exactly MAX_FRAME_BYTES and refuses one byte more, as text or bytes", () => {
    const atCap = padded(MAX_FRAME_BYTES);
    expect(Buffer.byteLength(atCap)).toBe(MAX_FRAME_BYTES);
    expect(decodeAgentMessage(atCap).ok).toBe(true);
    expect(decodeAgentMessage(Buffer.from(atCap)).ok).toBe(true);
    const over = padded(MAX_FRAME_BYTES + 1);
    expect(refusal(decodeAgentMessage(over))).toEqual({ code: "E_FRAME_TOO_LARGE" });
    expect(refusal(decodeAgentMessage(Buffer.from(over)))).toEqual({ code: "E_FRAME_TOO_LARGE" });
  });

  it("counts UTF-8 bytes, not characters", () => {
    // "€" is 3 bytes in UTF-8 but one UTF-16 unit: a frame of MAX_FRAME_BYTES / 3 characters may be too large.
    const atCap = padded(MAX_FRAME_BYTES, "€");
    expect(Buffer.byteLength(atCap)).toBe(MAX_FRAME_BYTES);
    expect(decodeAgentMessage(atCap).ok).toBe(true);
    const over = padded(MAX_FRAME_BYTES + 1, "€");
    expect(over.length).toBeLessThan(MAX_FRAME_BYTES / 2);
    expect(refusal(decodeAgentMessage(over))).toEqual({ code: "E_FRAME_TOO_LARGE" });
  });

  it("refuses an oversize frame without parsing it, in every shape ws delivers", () => {
    const parse = vi.spyOn(JSON, "parse");
    const big = Buffer.alloc(MAX_FRAME_BYTES + 1, "{");
    const arrayBuffer = big.buffer.slice(big.byteOffset, big.byteOffset + big.byteLength);
    const shapes = [big.toString(), big, arrayBuffer, [big.subarray(0, 10), big.subarray(10)]];
    for (const shape of shapes) expect(refusal(decodeAgentMessage(shape))).toEqual({ code: "E_FRAME_TOO_LARGE" });
    expect(parse).not.toHaveBeenCalled();
  });

  it("decodes a message from a Buffer, an ArrayBuffer, or the fragments of one", () => {
    const bytes = Buffer.from(heartbeat);
    const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const fragments = [bytes.subarray(0, 7), bytes.subarray(7, 8), bytes.subarray(8)];
    for (const shape of [bytes, arrayBuffer, fragments]) expect(decodeAgentMessage(shape).ok).toBe(true);
  });

  it("refuses bytes that are not UTF-8, and values that are neither text nor bytes, as E_NOT_JSON", () => {
    expect(refusal(decodeAgentMessage(Buffer.from([0x7b, 0xff, 0x7d])))).toEqual({ code: "E_NOT_JSON" });
    for (const value of [undefined, null, 42, {}, [1, 2]]) {
      expect(refusal(decodeAgentMessage(value as never))).toEqual({ code: "E_NOT_JSON" });
    }
  });
});

describe("hostile input", () => {
  const decoders = [decodeAgentMessage, decodeGatewayMessage];
  const neverThrows = (data: unknown) => {
    for (const decode of decoders) {
      const result = decode(data as never);
      if (!result.ok) expect(result.error.message.length).toBeLessThanOrEqual(2000);
    }
  };

  it("never throws on random strings, lone surrogates and JSON punctuation included", () => {
    const utf16 = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
    const unit = fc.oneof(utf16, fc.constantFrom(...'{}[]":,\\ 0123456789.-eEtrufalsn'));
    fc.assert(fc.property(fc.string({ unit, maxLength: 300 }), neverThrows), { numRuns: 1000 });
  });

  it("never throws on random bytes", () => {
    const bytes = fc.uint8Array({ maxLength: 300 });
    fc.assert(fc.property(bytes, (data) => neverThrows(Buffer.from(data))), { numRuns: 500 });
  });

  it("never throws on random JSON, bare or inside an envelope of a known type", () => {
    const types = fc.constantFrom(...Object.keys(EXAMPLES), "__proto__", "x");
    const envelope = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.jsonValue()),
        type: fc.oneof(types, fc.jsonValue()),
        id: fc.oneof(fc.constant("i"), fc.jsonValue()),
        payload: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const json = fc.oneof(fc.jsonValue(), envelope);
    fc.assert(fc.property(json, (value) => neverThrows(JSON.stringify(value))), { numRuns: 1000 });
  });

  it("never throws on valid payloads with one field replaced by anything", () => {
    const cases = fc.constantFrom(...Object.entries(EXAMPLES)).chain(([type, payload]) =>
      fc.tuple(fc.constant(type), fc.constant(payload), fc.constantFrom(...Object.keys(payload), "x"), fc.jsonValue()),
    );
    fc.assert(
      fc.property(cases, ([type, payload, field, value]) => {
        neverThrows(rawFrame(type, { ...payload, [field]: value }));
      }),
      { numRuns: 1000 },
    );
  });
});

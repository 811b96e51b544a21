import { describe, expect, it } from "vitest";
import { generateDataKey, unwrapDataKey, wrapDataKey } from "./data-key.ts";
import type { KeyError } from "./key-error.ts";

describe("AES-256-KW", () => {
  it("matches RFC 3394 section 4.6 (256-bit key data, 256-bit KEK)", () => {
    const kek = Buffer.from("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "hex");
    const keyData = Buffer.from("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "hex");
    const expected = "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21";
    const wrapped = wrapDataKey(kek, keyData);
    expect(Buffer.from(wrapped).toString("hex").toUpperCase()).toBe(expected);
    expect(Buffer.from(unwrapDataKey(kek, wrapped)).equals(keyData)).toBe(true);
  });

  it("refuses the wrong KEK, and a damaged wrapped key, with E_WRONG_KEY", () => {
    const dataKey = generateDataKey();
    const wrapped = Buffer.from(wrapDataKey(generateDataKey(), dataKey));
    expect(() => unwrapDataKey(generateDataKey(), wrapped)).toThrow(expect.objectContaining({ code: "E_WRONG_KEY" }));
    expect(() => unwrapDataKey(generateDataKey(), wrapped.subarray(1))).toThrow(expect.objectContaining({ code: "E_WRONG_KEY" }));
  });

  it("generates distinct 32-byte data keys", () => {
    const a = generateDataKey();
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(generateDataKey()))).toBe(false);
  });

  it("refuses keys of the wrong size with E_KEY_INPUT", () => {
    let error: KeyError | undefined;
    try {
      wrapDataKey(Buffer.alloc(16), generateDataKey());
    } catch (caught) {
      error = caught as KeyError;
    }
    expect(error?.code).toBe("E_KEY_INPUT");
  });
});

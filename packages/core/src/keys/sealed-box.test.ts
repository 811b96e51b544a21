import { createCipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isKeyError } from "./key-error.ts";
import type { KeyErrorCode } from "./key-error.ts";
import { generateSealingKeyPair, generateSigningKeyPair, publicKeyFromRaw, rawPublicKey } from "./key-pairs.ts";
import { openSealed, SEAL_OVERHEAD, sealToAgent } from "./sealed-box.ts";

function codeOf(run: () => unknown): KeyErrorCode {
  try {
    run();
  } catch (error) {
    if (isKeyError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a KeyError");
}

const agent = generateSealingKeyPair();
const dataKey = randomBytes(32);
const sealed = sealToAgent(dataKey, agent.publicKey, "snap-1");

describe("sealToAgent / openSealed", () => {
  it("opens with the agent's private key and the same context", () => {
    expect(Buffer.from(openSealed(sealed, agent.privateKey, "snap-1"))).toEqual(dataKey);
  });

  it("writes version 1, then 32 + 12 + plaintext + 16 bytes", () => {
    expect(sealed.length).toBe(32 + SEAL_OVERHEAD);
    expect(SEAL_OVERHEAD).toBe(61);
    expect(sealed[0]).toBe(1);
  });

  it("round-trips any plaintext under any context", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 60 }), (plaintext, context) => {
        const box = sealToAgent(plaintext, agent.publicKey, context);
        expect(Buffer.from(openSealed(box, agent.privateKey, context))).toEqual(Buffer.from(plaintext));
      }),
      { numRuns: 100 },
    );
  });

  it("does not open with another agent's private key", () => {
    expect(codeOf(() => openSealed(sealed, generateSealingKeyPair().privateKey, "snap-1"))).toBe("E_SEAL_OPEN");
  });

  it.each(["snap-2", "", "snap-1 ", "Snap-1", "snap-1\u0000"])("does not open for another context (%j)", (context) => {
    expect(codeOf(() => openSealed(sealed, agent.privateKey, context))).toBe("E_SEAL_OPEN");
  });

  it("fails on every single-bit flip of every byte: the version byte as E_SEAL_VERSION, the rest as E_SEAL_OPEN", () => {
    for (let offset = 0; offset < sealed.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const edited = Buffer.from(sealed);
        edited[offset]! ^= 1 << bit;
        const expected = offset === 0 ? "E_SEAL_VERSION" : "E_SEAL_OPEN";
        expect(codeOf(() => openSealed(edited, agent.privateKey, "snap-1")), `byte ${offset} bit ${bit}`).toBe(expected);
      }
    }
  });

  it("fails on any byte replaced by any other value", () => {
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), (offset, mask) => {
        const edited = Buffer.from(sealed);
        edited[offset]! ^= mask;
        expect(["E_SEAL_VERSION", "E_SEAL_OPEN"]).toContain(codeOf(() => openSealed(edited, agent.privateKey, "snap-1")));
      }),
    );
  });

  it("fails on every truncation, too short to parse or not", () => {
    for (let length = 0; length < sealed.length; length++) {
      const expected = length < SEAL_OVERHEAD ? "E_SEAL_MALFORMED" : "E_SEAL_OPEN";
      expect(codeOf(() => openSealed(sealed.subarray(0, length), agent.privateKey, "snap-1"))).toBe(expected);
    }
  });

  it("fails when the ephemeral key is replaced by a low-order point", () => {
    const edited = Buffer.from(sealed);
    edited.fill(0, 1, 33);
    expect(codeOf(() => openSealed(edited, agent.privateKey, "snap-1"))).toBe("E_SEAL_OPEN");
  });

  it("seals the same key differently every time (fresh ephemeral key and nonce)", () => {
    const again = Buffer.from(sealToAgent(dataKey, agent.publicKey, "snap-1"));
    const first = Buffer.from(sealed);
    expect(again.subarray(1, 33).equals(first.subarray(1, 33))).toBe(false);
    expect(again.subarray(33, 45).equals(first.subarray(33, 45))).toBe(false);
    expect(again.subarray(45).equals(first.subarray(45))).toBe(false);
  });

  it("refuses keys of the wrong algorithm or type, a low-order agent key and an oversized context", () => {
    const signing = generateSigningKeyPair();
    expect(codeOf(() => sealToAgent(dataKey, signing.publicKey, "s"))).toBe("E_KEY_INPUT");
    expect(codeOf(() => sealToAgent(dataKey, agent.privateKey, "s"))).toBe("E_KEY_INPUT");
    expect(codeOf(() => openSealed(sealed, signing.privateKey, "snap-1"))).toBe("E_KEY_INPUT");
    expect(codeOf(() => sealToAgent(dataKey, publicKeyFromRaw(new Uint8Array(32), "x25519"), "s"))).toBe("E_KEY_INPUT");
    expect(codeOf(() => sealToAgent(dataKey, agent.publicKey, "x".repeat(256)))).toBe("E_KEY_INPUT");
    expect(codeOf(() => sealToAgent(dataKey, agent.publicKey, "\ud800"))).toBe("E_KEY_INPUT");
  });

  it("opens a box built by hand from the layout in docs/keys.md", () => {
    const ephemeral = generateKeyPairSync("x25519");
    const epk = Buffer.from(rawPublicKey(ephemeral.publicKey));
    const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: agent.publicKey });
    const salt = Buffer.concat([epk, rawPublicKey(agent.publicKey)]);
    const info = Buffer.from("nacre/seal/v1\u0000snap-1", "utf8");
    const key = Buffer.from(hkdfSync("sha256", shared, salt, info, 32));
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.concat([Buffer.of(1), epk]));
    const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    const box = Buffer.concat([Buffer.of(1), epk, nonce, ciphertext, cipher.getAuthTag()]);
    expect(Buffer.from(openSealed(box, agent.privateKey, "snap-1"))).toEqual(dataKey);
  });
});

import { describe, expect, it } from "vitest";
import { isKeyError } from "./key-error.ts";
import type { KeyErrorCode } from "./key-error.ts";
import {
  exportPrivateKey,
  exportPublicKey,
  generateSealingKeyPair,
  generateSigningKeyPair,
  importPrivateKey,
  importPublicKey,
} from "./key-pairs.ts";

function codeOf(run: () => unknown): KeyErrorCode {
  try {
    run();
  } catch (error) {
    if (isKeyError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a KeyError");
}

describe("key pairs", () => {
  it.each([
    ["x25519", generateSealingKeyPair],
    ["ed25519", generateSigningKeyPair],
  ] as const)("round-trips %s public keys as 43 base64url characters", (algorithm, generate) => {
    const { publicKey } = generate();
    const text = exportPublicKey(publicKey);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(importPublicKey(text, algorithm).equals(publicKey)).toBe(true);
    expect(importPublicKey(` ${text}\n`, algorithm).equals(publicKey)).toBe(true);
  });

  it.each([
    ["x25519", generateSealingKeyPair],
    ["ed25519", generateSigningKeyPair],
  ] as const)("round-trips %s private keys as PKCS#8 PEM", (algorithm, generate) => {
    const { privateKey } = generate();
    const pem = exportPrivateKey(privateKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(importPrivateKey(pem, algorithm).equals(privateKey)).toBe(true);
  });

  it("refuses public key text that is not exactly 32 bytes of canonical base64url", () => {
    const text = exportPublicKey(generateSealingKeyPair().publicKey);
    // The 43rd character carries 4 padding bits; "B" sets one of them, so it is not canonical.
    const nonCanonical = `${"A".repeat(42)}B`;
    for (const bad of ["", text.slice(1), `${text}A`, `${text}=`, `${text.slice(0, 42)}+`, nonCanonical]) {
      expect(codeOf(() => importPublicKey(bad, "x25519"))).toBe("E_KEY_FORMAT");
    }
  });

  it("refuses a private key of the other algorithm, or one that is not a PEM key", () => {
    const pem = exportPrivateKey(generateSigningKeyPair().privateKey);
    expect(codeOf(() => importPrivateKey(pem, "x25519"))).toBe("E_KEY_FORMAT");
    expect(codeOf(() => importPrivateKey("not a key", "ed25519"))).toBe("E_KEY_FORMAT");
    expect(codeOf(() => importPrivateKey(pem.replace("MC4C", "MC5C"), "ed25519"))).toBe("E_KEY_FORMAT");
  });

  it("refuses to export a private key as a public one, and the reverse", () => {
    const { publicKey, privateKey } = generateSealingKeyPair();
    expect(codeOf(() => exportPublicKey(privateKey))).toBe("E_KEY_INPUT");
    expect(codeOf(() => exportPrivateKey(publicKey))).toBe("E_KEY_INPUT");
  });
});

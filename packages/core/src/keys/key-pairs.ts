// Agent and control-plane key pairs. Public keys travel as their raw 32 bytes in base64url (the JWK "x"
// member): fixed length, no ASN.1, trivial to handle in another language or paste into a config. Private
// keys are PKCS#8 PEM, the form the agent writes to its 0600 file and `openssl pkey` can inspect.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { fromBase64url } from "./encoding.ts";
import { KeyError } from "./key-error.ts";

/** X25519 seals data keys to an agent; Ed25519 signs grants (and can identify an agent). */
export type KeyAlgorithm = "x25519" | "ed25519";

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Raw public keys of both algorithms are 32 bytes. */
export const PUBLIC_KEY_LENGTH = 32;

const JWK_CURVE = { x25519: "X25519", ed25519: "Ed25519" } as const;

/** A fresh X25519 key pair; the control plane seals data keys to its public half. */
export function generateSealingKeyPair(): KeyPair {
  return generateKeyPairSync("x25519");
}

/** A fresh Ed25519 key pair; the control plane signs grants with its private half. */
export function generateSigningKeyPair(): KeyPair {
  return generateKeyPairSync("ed25519");
}

/** The raw 32-byte public key as unpadded base64url (43 characters). */
export function exportPublicKey(publicKey: KeyObject): string {
  keyAlgorithm(publicKey, "public", "the key to export");
  return publicKeyJwkX(publicKey);
}

/** Reads a base64url raw public key of `algorithm`; throws KeyError E_KEY_FORMAT when it is not one. */
export function importPublicKey(text: string, algorithm: KeyAlgorithm): KeyObject {
  const raw = typeof text === "string" ? fromBase64url(text.trim()) : undefined;
  if (raw?.length !== PUBLIC_KEY_LENGTH) {
    throw new KeyError(
      "E_KEY_FORMAT",
      `the ${algorithm} public key is not 32 bytes of base64url (43 characters of A-Z a-z 0-9 - _) — ` +
        "copy it again from where it was exported",
    );
  }
  return publicKeyFromRaw(raw, algorithm);
}

/** The private key as PKCS#8 PEM, for a file only its owner can read. */
export function exportPrivateKey(privateKey: KeyObject): string {
  keyAlgorithm(privateKey, "private", "the key to export");
  return privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/** Reads a PEM private key of `algorithm`; throws KeyError E_KEY_FORMAT when it is not one. */
export function importPrivateKey(pem: string, algorithm: KeyAlgorithm): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new KeyError(
      "E_KEY_FORMAT",
      `the ${algorithm} private key is not an unencrypted PEM private key — restore the key file from its backup`,
      { cause },
    );
  }
  if (key.asymmetricKeyType !== algorithm) {
    throw new KeyError(
      "E_KEY_FORMAT",
      `the private key is ${key.asymmetricKeyType ?? "of an unknown type"}, not ${algorithm} — ` +
        "check that the right key file is configured",
    );
  }
  return key;
}

/** A public KeyObject from 32 raw bytes (no point validation: X25519 accepts any 32 bytes). */
export function publicKeyFromRaw(raw: Uint8Array, algorithm: KeyAlgorithm): KeyObject {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: JWK_CURVE[algorithm], x }, format: "jwk" });
}

/** The raw 32 bytes of a public KeyObject. */
export function rawPublicKey(publicKey: KeyObject): Uint8Array {
  return Buffer.from(publicKeyJwkX(publicKey), "base64url");
}

/** Returns `key` when it is a `type` KeyObject of `algorithm`; throws KeyError E_KEY_INPUT otherwise. */
export function requireKey(
  key: unknown,
  type: "public" | "private",
  algorithm: KeyAlgorithm,
  what: string,
): KeyObject {
  const actual = keyAlgorithm(key, type, what);
  if (actual !== algorithm) {
    throw new KeyError("E_KEY_INPUT", `${what} must be an ${algorithm} ${type} key, not ${actual}`);
  }
  return key as KeyObject;
}

function keyAlgorithm(key: unknown, type: "public" | "private", what: string): KeyAlgorithm {
  const object = key as Partial<KeyObject> | null | undefined;
  const algorithm = object?.asymmetricKeyType;
  if (object?.type !== type || (algorithm !== "x25519" && algorithm !== "ed25519")) {
    const importer = type === "public" ? "importPublicKey" : "importPrivateKey";
    throw new KeyError("E_KEY_INPUT", `${what} must be an x25519 or ed25519 ${type} KeyObject — read it with ${importer}`);
  }
  return algorithm;
}

function publicKeyJwkX(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: "jwk" });
  if (typeof x !== "string") {
    throw new KeyError("E_KEY_INPUT", "the public key has no raw form — use an x25519 or ed25519 key");
  }
  return x;
}

// Seals a short secret (a snapshot's data key) to an agent's X25519 public key, so only the holder of the
// matching private key can read it, and only for the context (the snapshot id) it was sealed for.
// libsodium's crypto_box_seal would do, but node:crypto has no XSalsa20-Poly1305; this construction uses
// only X25519, HKDF-SHA256 and AES-256-GCM, which node:crypto and every mainstream library have, and adds
// the context binding crypto_box_seal lacks. docs/keys.md specifies the layout for other implementations.
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { toUtf8 } from "./encoding.ts";
import { KeyError } from "./key-error.ts";
import { PUBLIC_KEY_LENGTH, publicKeyFromRaw, rawPublicKey, requireKey } from "./key-pairs.ts";

/** The first byte of every sealed box this code writes. */
export const SEAL_VERSION = 1;

const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + PUBLIC_KEY_LENGTH;

/** Bytes a sealed box adds to its plaintext: version, ephemeral public key, nonce and tag (61). */
export const SEAL_OVERHEAD = HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH;

/** Longest context, in UTF-8 bytes; ids are at most 255 bytes and HKDF info must stay under 1024. */
export const MAX_SEAL_CONTEXT_BYTES = 255;

const SEAL_LABEL = "nacre/seal/v1";

const OPEN_FAILED =
  "the sealed key does not open: it was sealed to another agent key or for another snapshot, or it was " +
  "damaged in transit — check that the agent's key file matches the public key registered with the control plane";

/** Seals `plaintext` to an agent's X25519 public key for `context`: version ‖ ephemeral key ‖ nonce ‖ ciphertext ‖ tag. */
export function sealToAgent(plaintext: Uint8Array, agentPublicKey: KeyObject, context: string): Uint8Array {
  requireKey(agentPublicKey, "public", "x25519", "the agent's sealing key");
  const info = sealInfo(context);
  // A fresh ephemeral key per box: two sealings of one data key share nothing an observer can link.
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralPublic = rawPublicKey(ephemeral.publicKey);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: agentPublicKey });
  } catch (cause) {
    // OpenSSL refuses an all-zero shared secret, i.e. a low-order point posing as the agent's key.
    const message = "the agent's sealing key is not a usable X25519 public key — re-register the agent";
    throw new KeyError("E_KEY_INPUT", message, { cause });
  }
  const header = Buffer.concat([Buffer.of(SEAL_VERSION), ephemeralPublic]);
  const key = sealKey(shared, ephemeralPublic, rawPublicKey(agentPublicKey), info);
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]);
}

/** Opens a box made by sealToAgent with the agent's X25519 private key and the same context; throws KeyError otherwise. */
export function openSealed(sealed: Uint8Array, agentPrivateKey: KeyObject, context: string): Uint8Array {
  requireKey(agentPrivateKey, "private", "x25519", "the agent's sealing key");
  const info = sealInfo(context);
  if (sealed.length < SEAL_OVERHEAD) {
    throw new KeyError(
      "E_SEAL_MALFORMED",
      `the sealed key is ${sealed.length} bytes, shorter than the ${SEAL_OVERHEAD} every sealed box has — it was cut short in transit`,
    );
  }
  if (sealed[0] !== SEAL_VERSION) {
    throw new KeyError(
      "E_SEAL_VERSION",
      `the sealed key has version ${sealed[0]}, this agent knows version ${SEAL_VERSION} — upgrade the agent`,
    );
  }
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const header = bytes.subarray(0, HEADER_LENGTH);
  const ephemeralPublic = bytes.subarray(1, HEADER_LENGTH);
  const nonce = bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + NONCE_LENGTH);
  const ciphertext = bytes.subarray(HEADER_LENGTH + NONCE_LENGTH, bytes.length - TAG_LENGTH);
  const tag = bytes.subarray(bytes.length - TAG_LENGTH);
  try {
    const ephemeralKey = publicKeyFromRaw(ephemeralPublic, "x25519");
    const shared = diffieHellman({ privateKey: agentPrivateKey, publicKey: ephemeralKey });
    const key = sealKey(shared, ephemeralPublic, rawPublicKey(createPublicKey(agentPrivateKey)), info);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    // Wrong key, other context, edited bytes and a low-order ephemeral key all end here, by design
    // indistinguishable: telling them apart would tell an attacker which edit got closest.
    throw new KeyError("E_SEAL_OPEN", OPEN_FAILED, { cause });
  }
}

// salt = ephemeral public ‖ recipient public binds the key to both parties (as in RFC 9180's kem_context);
// info = label ‖ 0x00 ‖ context separates this use from any other and binds the snapshot id.
function sealKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array, info: Uint8Array): Buffer {
  const salt = Buffer.concat([ephemeralPublic, recipientPublic]);
  return Buffer.from(hkdfSync("sha256", shared, salt, info, 32));
}

function sealInfo(context: string): Uint8Array {
  const bytes = typeof context === "string" ? toUtf8(context) : undefined;
  if (bytes === undefined || bytes.length > MAX_SEAL_CONTEXT_BYTES) {
    throw new KeyError(
      "E_KEY_INPUT",
      `the seal context must be a string of at most ${MAX_SEAL_CONTEXT_BYTES} UTF-8 bytes without lone surrogates`,
    );
  }
  return Buffer.concat([Buffer.from(SEAL_LABEL, "ascii"), Buffer.of(0), bytes]);
}

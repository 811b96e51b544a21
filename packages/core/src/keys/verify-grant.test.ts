import { randomBytes, sign } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "./encoding.ts";
import { encodeGrantPayload, grantSigningMessage } from "./grant.ts";
import type { KeyGrant } from "./grant.ts";
import { isKeyError } from "./key-error.ts";
import type { KeyErrorCode } from "./key-error.ts";
import { generateSealingKeyPair, generateSigningKeyPair } from "./key-pairs.ts";
import { sealToAgent } from "./sealed-box.ts";
import { signGrant } from "./sign-grant.ts";
import { verifyGrant } from "./verify-grant.ts";

function codeOf(run: () => unknown): KeyErrorCode {
  try {
    run();
  } catch (error) {
    if (isKeyError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a KeyError");
}

const controlPlane = generateSigningKeyPair();
const agent = generateSealingKeyPair();
const EXPIRES = Date.parse("2025-07-01T12:15:00Z");
const NOW = new Date(EXPIRES - 10 * 60_000);

const grant: KeyGrant = {
  v: 1,
  purpose: "snapshot",
  vmId: "vm-a",
  snapshotId: "snap-1",
  keyId: "cust-7/v2",
  expiresAt: EXPIRES,
  sealedDataKey: toBase64url(sealToAgent(randomBytes(32), agent.publicKey, "snap-1")),
  wrappedKey: toBase64url(randomBytes(40)),
};
const token = signGrant(grant, controlPlane.privateKey);
const options = { publicKey: controlPlane.publicKey, vmId: "vm-a", now: NOW };
const signatureOf = (t: string): string => t.split(".")[1]!;
const withPayload = (payload: Uint8Array, signature = signatureOf(token)): string =>
  `${toBase64url(payload)}.${signature}`;

describe("signGrant / verifyGrant", () => {
  it("returns the signed grant, field for field, from a two-part base64url token", () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(verifyGrant(token, options)).toEqual(grant);
    expect(verifyGrant(token, { ...options, snapshotId: "snap-1", purpose: "snapshot" })).toEqual(grant);
  });

  it("keeps non-ASCII ids intact", () => {
    const unicode = { ...grant, vmId: "vm-é-☃", keyId: "clé\u{1F511}" };
    expect(verifyGrant(signGrant(unicode, controlPlane.privateKey), { ...options, vmId: "vm-é-☃" })).toEqual(unicode);
  });

  it("refuses a grant for VM A on VM B", () => {
    expect(codeOf(() => verifyGrant(token, { ...options, vmId: "vm-b" }))).toBe("E_GRANT_WRONG_VM");
  });

  it("refuses a grant for another snapshot or purpose when the agent says which it expects", () => {
    expect(codeOf(() => verifyGrant(token, { ...options, snapshotId: "snap-2" }))).toBe("E_GRANT_WRONG_SNAPSHOT");
    expect(codeOf(() => verifyGrant(token, { ...options, purpose: "restore" }))).toBe("E_GRANT_WRONG_PURPOSE");
  });

  it("accepts a grant until the millisecond before expiresAt and refuses it from expiresAt on", () => {
    expect(verifyGrant(token, { ...options, now: new Date(EXPIRES - 1) })).toEqual(grant);
    expect(codeOf(() => verifyGrant(token, { ...options, now: new Date(EXPIRES) }))).toBe("E_GRANT_EXPIRED");
    expect(codeOf(() => verifyGrant(token, { ...options, now: new Date(EXPIRES + 86_400_000) }))).toBe(
      "E_GRANT_EXPIRED",
    );
  });

  it("says when the grant expired and what to do", () => {
    expect(() => verifyGrant(token, { ...options, now: new Date(EXPIRES) })).toThrow(
      /E_GRANT_EXPIRED: the grant expired at 2025-07-01T12:15:00.000Z .* ask the control plane for a new grant/,
    );
  });

  const edits: [string, Partial<KeyGrant>][] = [
    ["purpose", { purpose: "restore" }],
    ["vmId", { vmId: "vm-b" }],
    ["snapshotId", { snapshotId: "snap-2" }],
    ["keyId", { keyId: "cust-7/v1" }],
    ["expiresAt", { expiresAt: EXPIRES + 1 }],
    ["sealedDataKey", { sealedDataKey: toBase64url(sealToAgent(randomBytes(32), agent.publicKey, "snap-1")) }],
    ["wrappedKey", { wrappedKey: toBase64url(randomBytes(40)) }],
  ];
  it.each(edits)("refuses a grant whose %s was changed after signing", (_field, edit) => {
    const edited = withPayload(encodeGrantPayload({ ...grant, ...edit }));
    expect(codeOf(() => verifyGrant(edited, { ...options, vmId: edit.vmId ?? "vm-a" }))).toBe("E_GRANT_SIGNATURE");
  });

  it("refuses every single-bit flip of the signed bytes and of the signature", () => {
    const [payloadText, signatureText] = token.split(".") as [string, string];
    const payload = fromBase64url(payloadText)!;
    const signature = fromBase64url(signatureText)!;
    for (let offset = 0; offset < payload.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const edited = Buffer.from(payload);
        edited[offset]! ^= 1 << bit;
        const expected = offset === 0 ? "E_GRANT_VERSION" : "E_GRANT_SIGNATURE";
        expect(codeOf(() => verifyGrant(withPayload(edited), options)), `payload byte ${offset}`).toBe(expected);
      }
    }
    for (let offset = 0; offset < signature.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const edited = Buffer.from(signature);
        edited[offset]! ^= 1 << bit;
        const forged = `${payloadText}.${toBase64url(edited)}`;
        expect(codeOf(() => verifyGrant(forged, options)), `signature byte ${offset}`).toBe("E_GRANT_SIGNATURE");
      }
    }
  });

  it("refuses a grant signed by another control-plane key", () => {
    const impostor = signGrant(grant, generateSigningKeyPair().privateKey);
    expect(codeOf(() => verifyGrant(impostor, options))).toBe("E_GRANT_SIGNATURE");
  });

  it("refuses every truncation of a token as E_GRANT_MALFORMED", () => {
    for (let length = 0; length < token.length; length++) {
      expect(codeOf(() => verifyGrant(token.slice(0, length), options)), `length ${length}`).toBe("E_GRANT_MALFORMED");
    }
  });

  it.each([
    "",
    ".",
    "garbage",
    "a.b",
    "a.b.c",
    `${token}.`,
    `${token}=`,
    ` ${token}`,
    token.replace(".", ".."),
    `.${signatureOf(token)}`,
    "x".repeat(5000),
  ])("refuses garbage #%# as E_GRANT_MALFORMED", (text) => {
    expect(codeOf(() => verifyGrant(text, options))).toBe("E_GRANT_MALFORMED");
  });

  it("answers any string with a KeyError, never a crash", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (text, bytes) => {
        for (const candidate of [text, withPayload(bytes)]) {
          expect(["E_GRANT_MALFORMED", "E_GRANT_VERSION", "E_GRANT_SIGNATURE"]).toContain(
            codeOf(() => verifyGrant(candidate, options)),
          );
        }
      }),
    );
  });

  it("refuses an unknown version before reading anything else", () => {
    const payload = Buffer.from(encodeGrantPayload(grant));
    payload[0] = 2;
    const signed = `${toBase64url(payload)}.${toBase64url(sign(null, grantSigningMessage(payload), controlPlane.privateKey))}`;
    expect(() => verifyGrant(signed, options)).toThrow(/E_GRANT_VERSION: .* upgrade the agent/);
  });

  it("refuses a correctly signed payload that breaks the layout (a signer bug) as E_GRANT_MALFORMED", () => {
    const valid = encodeGrantPayload(grant);
    const layoutBreaks = [Buffer.concat([valid, Buffer.of(0)]), valid.subarray(0, valid.length - 1), Buffer.of(1)];
    for (const payload of layoutBreaks) {
      const signature = sign(null, grantSigningMessage(payload), controlPlane.privateKey);
      expect(codeOf(() => verifyGrant(withPayload(payload, toBase64url(signature)), options))).toBe("E_GRANT_MALFORMED");
    }
  });

  it.each<[string, Partial<KeyGrant>]>([
    ["an empty vmId", { vmId: "" }],
    ["a 256-byte keyId", { keyId: "k".repeat(256) }],
    ["a lone surrogate", { snapshotId: "snap-\ud800" }],
    ["a fractional expiresAt", { expiresAt: EXPIRES + 0.5 }],
    ["a negative expiresAt", { expiresAt: -1 }],
    ["an unknown purpose", { purpose: "backup" as KeyGrant["purpose"] }],
    ["a short sealed key", { sealedDataKey: toBase64url(randomBytes(92)) }],
    ["padded base64", { wrappedKey: `${grant.wrappedKey}=` }],
  ])("refuses to sign %s", (_case, edit) => {
    expect(codeOf(() => signGrant({ ...grant, ...edit }, controlPlane.privateKey))).toBe("E_KEY_INPUT");
  });

  it("refuses keys of the wrong kind on either side", () => {
    expect(codeOf(() => signGrant(grant, controlPlane.publicKey))).toBe("E_KEY_INPUT");
    expect(codeOf(() => signGrant(grant, agent.privateKey))).toBe("E_KEY_INPUT");
    expect(codeOf(() => verifyGrant(token, { ...options, publicKey: agent.publicKey }))).toBe("E_KEY_INPUT");
  });

  it("verifies a token built by hand from the layout in docs/keys.md", () => {
    const field = (bytes: Uint8Array): Buffer => Buffer.concat([Buffer.of(bytes.length >> 8, bytes.length & 0xff), bytes]);
    const expiry = Buffer.alloc(8);
    expiry.writeBigUInt64BE(BigInt(EXPIRES));
    const payload = Buffer.concat([
      Buffer.of(1),
      field(Buffer.from("snapshot")),
      field(Buffer.from("vm-a")),
      field(Buffer.from("snap-1")),
      field(Buffer.from("cust-7/v2")),
      field(expiry),
      field(fromBase64url(grant.sealedDataKey)!),
      field(fromBase64url(grant.wrappedKey)!),
    ]);
    const message = Buffer.concat([Buffer.from("nacre/grant/v1\u0000"), payload]);
    const handMade = `${payload.toString("base64url")}.${sign(null, message, controlPlane.privateKey).toString("base64url")}`;
    expect(handMade).toBe(token);
    expect(verifyGrant(handMade, options)).toEqual(grant);
  });
});

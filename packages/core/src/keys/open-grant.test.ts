import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toBase64url } from "./encoding.ts";
import { isKeyError } from "./key-error.ts";
import type { KeyErrorCode } from "./key-error.ts";
import { issueGrant } from "./issue-grant.ts";
import type { IssueGrantInput } from "./issue-grant.ts";
import { generateSealingKeyPair, generateSigningKeyPair } from "./key-pairs.ts";
import { openGrant } from "./open-grant.ts";
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
const vmA = generateSealingKeyPair();
const vmB = generateSealingKeyPair();
const NOW = new Date("2025-07-01T12:00:00Z");
const dataKey = randomBytes(32);
const wrappedKey = randomBytes(40);

const input: IssueGrantInput = {
  purpose: "snapshot",
  vmId: "vm-a",
  snapshotId: "snap-1",
  keyId: "cust-7/v2",
  expiresAt: NOW.getTime() + 15 * 60_000,
  dataKey,
  wrappedKey,
  agentPublicKey: vmA.publicKey,
};
const token = issueGrant(input, controlPlane.privateKey);
const onA = { publicKey: controlPlane.publicKey, vmId: "vm-a", now: NOW, agentPrivateKey: vmA.privateKey };

describe("issueGrant / openGrant", () => {
  it("hands the agent the data key, the wrapped key and the key id", () => {
    const opened = openGrant(token, { ...onA, snapshotId: "snap-1", purpose: "snapshot" });
    expect(Buffer.from(opened.dataKey)).toEqual(dataKey);
    expect(Buffer.from(opened.wrappedKey)).toEqual(wrappedKey);
    expect(opened.keyId).toBe("cust-7/v2");
    expect(opened.grant).toMatchObject({ vmId: "vm-a", snapshotId: "snap-1", expiresAt: input.expiresAt });
  });

  it("does not open on VM B, whether B claims its own id or A's", () => {
    expect(codeOf(() => openGrant(token, { ...onA, vmId: "vm-b", agentPrivateKey: vmB.privateKey }))).toBe(
      "E_GRANT_WRONG_VM",
    );
    expect(codeOf(() => openGrant(token, { ...onA, agentPrivateKey: vmB.privateKey }))).toBe("E_SEAL_OPEN");
  });

  it("does not open a data key sealed for one snapshot inside a grant for another", () => {
    const grant = verifyGrant(token, onA);
    const moved = signGrant({ ...grant, snapshotId: "snap-2" }, controlPlane.privateKey);
    expect(codeOf(() => openGrant(moved, onA))).toBe("E_SEAL_OPEN");
  });

  it("does not open an expired grant", () => {
    expect(codeOf(() => openGrant(token, { ...onA, now: new Date(input.expiresAt) }))).toBe("E_GRANT_EXPIRED");
  });

  it("seals the same data key differently in two grants", () => {
    const again = verifyGrant(issueGrant(input, controlPlane.privateKey), onA);
    const first = verifyGrant(token, onA);
    expect(again.sealedDataKey).not.toBe(first.sealedDataKey);
    expect(again.wrappedKey).toBe(first.wrappedKey);
  });

  it("refuses to issue a grant for a data key that is not 32 bytes", () => {
    expect(codeOf(() => issueGrant({ ...input, dataKey: randomBytes(16) }, controlPlane.privateKey))).toBe("E_KEY_INPUT");
    // A sealed 16-byte key is too short for a grant's sealedDataKey field, so the signer refuses it too.
    const shortSealed = toBase64url(sealToAgent(randomBytes(16), vmA.publicKey, "snap-1"));
    const grant = verifyGrant(token, onA);
    expect(codeOf(() => signGrant({ ...grant, sealedDataKey: shortSealed }, controlPlane.privateKey))).toBe(
      "E_KEY_INPUT",
    );
  });
});

// Test fixtures, not exported from index.ts: one valid payload per message type, and helpers that build raw
// frames by hand (so a test can send what encodeMessage would refuse) and decode them with the receiving
// side's decoder. The mapped type makes a new message type without an example a compile error.
import { expect } from "vitest";
import { AGENT_MESSAGES } from "./agent-messages.ts";
import { decodeAgentMessage, decodeGatewayMessage } from "./decode-message.ts";
import { encodeMessage } from "./encode-message.ts";
import { GATEWAY_MESSAGES } from "./gateway-messages.ts";
import type { MessageType, PayloadOf } from "./messages.ts";
import type { ProtocolErrorCode } from "./protocol-error.ts";

export const VM_ID = "6f1c8d4e-2b7a-4c3e-9f10-1234567890ab";
export const SNAPSHOT_ID = "0b5e1f7a-9c3d-4e2f-8a61-7d4c2b9e0f13";
export const RESTORE_ID = "c2d7e9a1-5b4f-4c8e-b3a2-91f0e6d4c785";
/** 32 bytes (0, 7, 14, …) as base64url. */
export const NONCE = "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK-2vcTL0tk";
/** 64 bytes as base64url: the shape of an Ed25519 signature. */
export const SIGNATURE =
  "__z59vPw7ern5OHe29jV0s_MycbDwL26t7SxrquopaKfnJmWk5CNioeEgX57eHVyb2xpZmNgXVpXVFFOS0hFQg";
export const SHA256 = "50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";
export const MIB = 1024 * 1024;

export const EXAMPLES: { [T in MessageType]: PayloadOf<T> } = {
  "auth.challenge": { nonce: NONCE, gatewayId: "gw-sg-1", serverTime: "2025-11-20T03:00:00.000Z" },
  "auth.ok": { vmId: VM_ID, heartbeatIntervalSeconds: 30 },
  "snapshot.start": {
    snapshotId: SNAPSHOT_ID,
    kind: "nightly",
    objectKey: `vms/${VM_ID}/2025-11-20T03-00-00Z.nacre`,
    region: "SG",
    partSize: 8 * MIB,
    grant: "AQ.eyJ2bSI6IjZmMWMifQ.c2lnbmF0dXJl",
  },
  "upload.parts": {
    replyTo: "req-1",
    snapshotId: SNAPSHOT_ID,
    parts: [
      { number: 1, url: "https://bucket.r2.example.com/vms/a?partNumber=1&X-Amz-Signature=ab" },
      { number: 2, url: "https://bucket.r2.example.com/vms/a?partNumber=2&X-Amz-Signature=cd" },
    ],
    expiresAt: "2025-11-20T04:00:00Z",
  },
  "restore.start": {
    restoreId: RESTORE_ID,
    snapshotId: SNAPSHOT_ID,
    downloadUrl: "https://bucket.r2.example.com/vms/a?X-Amz-Signature=ef",
    size: 123_456_789,
    sha256: SHA256,
    grant: "AQ.eyJ2bSI6IjZmMWMifQ.c2lnbmF0dXJl",
  },
  "app.pause": { reason: "restore c2d7e9a1" },
  "app.resume": {},
  "heartbeat.ack": { receivedAt: "2025-11-20T03:00:30Z" },
  "initial-restore.status": { state: "failed", message: "E_CUSTOMER_KEY_DESTROYED: the customer key no longer exists" },
  error: { code: "E_BAD_PAYLOAD", message: "payload.size: too small", replyTo: "cmd-7" },
  "agent.hello": {
    vmId: VM_ID,
    agentVersion: "0.4.2",
    capabilities: ["snapshot.v1", "restore.v1"],
    nonce: NONCE,
    signature: SIGNATURE,
  },
  heartbeat: {
    agentVersion: "0.4.2",
    diskFreeBytes: 42_000_000_000,
    appStatus: "running",
    lastBackupSucceededAt: "2025-11-19T03:12:44.512Z",
    lastBackupError: null,
    busySnapshotId: null,
  },
  "command.accepted": { replyTo: "cmd-7" },
  "upload.parts.request": { snapshotId: SNAPSHOT_ID, fromPart: 1, count: 200 },
  "snapshot.progress": { snapshotId: SNAPSHOT_ID, phase: "uploading", bytesIn: 900, bytesOut: 512, partsDone: 3 },
  "snapshot.done": {
    snapshotId: SNAPSHOT_ID,
    size: 16 * MIB + 5,
    sha256: SHA256,
    parts: [
      { number: 1, etag: '"9b2cf535f27731c974343645a3985328"' },
      { number: 2, etag: '"6d0bb00954ceb7fbee436bb55a8397a9"' },
      { number: 3, etag: '"0cc175b9c0f1b6a831c399e269772661"' },
    ],
  },
  "snapshot.failed": { snapshotId: SNAPSHOT_ID, code: "E_DISK_READ", message: "cannot read /data", retryable: true },
  "restore.progress": { restoreId: RESTORE_ID, step: "download", message: "412 MiB of 1.2 GiB" },
  "restore.done": { restoreId: RESTORE_ID },
  "restore.failed": { restoreId: RESTORE_ID, code: "E_SHA256", message: "download corrupted", rolledBack: true },
};

/** A frame built by hand, so it may hold what encodeMessage would refuse. */
export function rawFrame(type: string, payload: unknown, id = "cmd-1"): string {
  return JSON.stringify({ v: 1, type, id, payload });
}

/** Decodes `frame` with the decoder of whoever receives messages of `type`. */
export function decodeAsReceiver(type: MessageType, frame: string) {
  return Object.hasOwn(GATEWAY_MESSAGES, type) ? decodeGatewayMessage(frame) : decodeAgentMessage(frame);
}

/** Asserts both sides take the example of `type` with `patch` laid over it: the receiver decodes it and the
 * sender encodes it. */
export function accepts(type: MessageType, patch: Record<string, unknown> = {}): void {
  const payload = { ...EXAMPLES[type], ...patch };
  const decoded = decodeAsReceiver(type, rawFrame(type, payload));
  expect(decoded.ok ? "accepted" : decoded.error.message).toBe("accepted");
  expect(() => encodeMessage(type, "cmd-1", payload as never)).not.toThrow();
}

/** As accepts, but both sides refuse it, with E_BAD_PAYLOAD naming a field that starts with `path`. */
export function refuses(type: MessageType, patch: Record<string, unknown>, path: string): void {
  const payload = { ...EXAMPLES[type], ...patch };
  const decoded = decodeAsReceiver(type, rawFrame(type, payload));
  expect(decoded.ok).toBe(false);
  if (decoded.ok) return;
  expect(decoded.error.code).toBe<ProtocolErrorCode>("E_BAD_PAYLOAD");
  expect(decoded.error.message.slice(0, path.length)).toBe(path);
  expect(decoded.error.id).toBe("cmd-1");
  expect(() => encodeMessage(type, "cmd-1", payload as never)).toThrow(
    expect.objectContaining({ code: "E_BAD_PAYLOAD" }),
  );
}

/** Every message type of both directions, each once. */
export const ALL_TYPES = [
  ...new Set([...Object.keys(GATEWAY_MESSAGES), ...Object.keys(AGENT_MESSAGES)]),
] as MessageType[];

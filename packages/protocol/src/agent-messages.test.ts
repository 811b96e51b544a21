import { describe, expect, it } from "vitest";
import { decodeAgentMessage } from "./decode-message.ts";
import { encodeMessage } from "./encode-message.ts";
import { accepts, MIB, NONCE, refuses, SIGNATURE, SNAPSHOT_ID, SHA256 } from "./examples.ts";
import { MAX_FRAME_BYTES } from "./fields.ts";

const parts = (numbers: number[], etag = "e") => numbers.map((number) => ({ number, etag }));
const oneTo = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

describe("agent.hello", () => {
  it("takes an agentVersion of 1 to 64 characters", () => {
    accepts("agent.hello", { agentVersion: "v".repeat(64) });
    refuses("agent.hello", { agentVersion: "v".repeat(65) }, "payload.agentVersion");
    refuses("agent.hello", { agentVersion: "" }, "payload.agentVersion");
  });

  it("takes up to 32 capabilities of 1 to 64 characters", () => {
    const caps = (count: number, length = 8) => Array.from({ length: count }, (_, i) => `${i}`.padEnd(length, "c"));
    accepts("agent.hello", { capabilities: [] });
    accepts("agent.hello", { capabilities: caps(32, 64) });
    refuses("agent.hello", { capabilities: caps(33) }, "payload.capabilities");
    refuses("agent.hello", { capabilities: caps(1, 65) }, "payload.capabilities[0]");
    refuses("agent.hello", { capabilities: ["ok", ""] }, "payload.capabilities[1]");
  });

  it("takes a 64-byte signature and the 32-byte nonce, both canonical base64url", () => {
    refuses("agent.hello", { signature: SIGNATURE.slice(1) }, "payload.signature");
    refuses("agent.hello", { signature: `${SIGNATURE.slice(0, 85)}B` }, "payload.signature");
    refuses("agent.hello", { nonce: NONCE.replace("-", "+") }, "payload.nonce");
  });
});

describe("heartbeat", () => {
  it("takes any safe integer of free disk from 0", () => {
    for (const bytes of [0, Number.MAX_SAFE_INTEGER]) accepts("heartbeat", { diskFreeBytes: bytes });
    for (const bytes of [-1, Number.MAX_SAFE_INTEGER + 1, 1.5]) {
      refuses("heartbeat", { diskFreeBytes: bytes }, "payload.diskFreeBytes");
    }
  });

  it("takes null or a value for the last backup and the busy snapshot, but needs the fields", () => {
    const withValues = {
      lastBackupSucceededAt: "2025-11-19T03:00:00Z",
      lastBackupError: "e".repeat(2000),
      busySnapshotId: SNAPSHOT_ID,
    };
    accepts("heartbeat", withValues);
    refuses("heartbeat", { lastBackupError: "e".repeat(2001) }, "payload.lastBackupError");
    refuses("heartbeat", { lastBackupSucceededAt: "yesterday" }, "payload.lastBackupSucceededAt");
    refuses("heartbeat", { busySnapshotId: undefined }, "payload.busySnapshotId");
    refuses("heartbeat", { appStatus: "crashed" }, "payload.appStatus");
  });
});

describe("upload.parts.request and snapshot.progress", () => {
  it("asks for 1 to 200 parts starting at part 1 to 10000", () => {
    for (const [fromPart, count] of [[1, 1], [10_000, 200]]) {
      accepts("upload.parts.request", { fromPart, count });
    }
    refuses("upload.parts.request", { fromPart: 0 }, "payload.fromPart");
    refuses("upload.parts.request", { fromPart: 10_001 }, "payload.fromPart");
    refuses("upload.parts.request", { count: 0 }, "payload.count");
    refuses("upload.parts.request", { count: 201 }, "payload.count");
  });

  it("counts bytes and parts from 0", () => {
    accepts("snapshot.progress", { bytesIn: 0, bytesOut: 0, partsDone: 0, phase: "archiving" });
    for (const field of ["bytesIn", "bytesOut", "partsDone"]) {
      refuses("snapshot.progress", { [field]: -1 }, `payload.${field}`);
    }
  });
});

describe("snapshot.done", () => {
  it("takes 1 to 10000 parts numbered 1, 2, 3 … with ETags of 1 to 256 characters", () => {
    accepts("snapshot.done", { parts: parts([1], "e".repeat(256)) });
    accepts("snapshot.done", { parts: parts(oneTo(10_000)) });
    refuses("snapshot.done", { parts: [] }, "payload.parts");
    refuses("snapshot.done", { parts: parts(oneTo(10_001)) }, "payload.parts");
    refuses("snapshot.done", { parts: parts([1], "e".repeat(257)) }, "payload.parts[0].etag");
    refuses("snapshot.done", { parts: parts([1], "") }, "payload.parts[0].etag");
  });

  it("refuses a gap, a repeat, a wrong start or a wrong order, naming the first bad part", () => {
    refuses("snapshot.done", { parts: parts([1, 2, 4]) }, "payload.parts[2].number");
    refuses("snapshot.done", { parts: parts([1, 2, 2, 3]) }, "payload.parts[2].number");
    refuses("snapshot.done", { parts: parts([2, 3]) }, "payload.parts[0].number");
    refuses("snapshot.done", { parts: parts([1, 3, 2]) }, "payload.parts[1].number");
  });

  it("fits 8,000 parts with R2-style ETags in one frame (docs/protocol.md sizes part counts by this)", () => {
    const etag = '"0123456789abcdef0123456789abcdef"';
    const done = { snapshotId: SNAPSHOT_ID, size: 8000 * MIB, sha256: SHA256, parts: parts(oneTo(8000), etag) };
    const frame = encodeMessage("snapshot.done", "done-1", done);
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decodeAgentMessage(frame).ok).toBe(true);
    const tooMany = { ...done, parts: parts(oneTo(9000), etag) };
    const tooLarge = expect.objectContaining({ code: "E_FRAME_TOO_LARGE" });
    expect(() => encodeMessage("snapshot.done", "done-1", tooMany)).toThrow(tooLarge);
  });

  it("takes a size from 0 and a lower-case hex SHA-256", () => {
    accepts("snapshot.done", { size: 0 });
    refuses("snapshot.done", { size: -1 }, "payload.size");
    refuses("snapshot.done", { sha256: SHA256.toUpperCase() }, "payload.sha256");
  });
});

describe("failures and restore reports", () => {
  it("bounds codes, messages and steps", () => {
    accepts("snapshot.failed", { message: "m".repeat(2000), retryable: false });
    refuses("snapshot.failed", { message: "m".repeat(2001) }, "payload.message");
    refuses("snapshot.failed", { code: "DISK" }, "payload.code");
    refuses("snapshot.failed", { retryable: "yes" }, "payload.retryable");
    accepts("restore.progress", { step: "s".repeat(64) });
    refuses("restore.progress", { step: "s".repeat(65) }, "payload.step");
    refuses("restore.progress", { message: "m".repeat(2001) }, "payload.message");
    refuses("restore.done", { restoreId: "r-1" }, "payload.restoreId");
    refuses("restore.failed", { rolledBack: undefined }, "payload.rolledBack");
  });
});

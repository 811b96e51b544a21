import { describe, it } from "vitest";
import { accepts, MIB, NONCE, refuses } from "./examples.ts";

const GIB = 1024 * MIB;
const url = (length: number) => {
  const base = "https://r2.example.com/";
  return base + "a".repeat(length - base.length);
};

describe("auth.challenge", () => {
  it("takes a nonce of exactly 32 bytes in canonical base64url", () => {
    accepts("auth.challenge", { nonce: NONCE });
    refuses("auth.challenge", { nonce: NONCE.slice(1) }, "payload.nonce");
    refuses("auth.challenge", { nonce: `${NONCE}A` }, "payload.nonce");
    refuses("auth.challenge", { nonce: `${NONCE}=` }, "payload.nonce");
    // Same bytes, other spelling: the last character's unused bits are not zero.
    refuses("auth.challenge", { nonce: `${NONCE.slice(0, 42)}l` }, "payload.nonce");
  });

  it("takes a gatewayId of 1 to 64 characters without control characters", () => {
    accepts("auth.challenge", { gatewayId: "g".repeat(64) });
    refuses("auth.challenge", { gatewayId: "g".repeat(65) }, "payload.gatewayId");
    refuses("auth.challenge", { gatewayId: "" }, "payload.gatewayId");
    refuses("auth.challenge", { gatewayId: "gw\u0000evil" }, "payload.gatewayId");
    refuses("auth.challenge", { gatewayId: "gw\ud800" }, "payload.gatewayId");
  });

  it("takes serverTime in UTC only", () => {
    accepts("auth.challenge", { serverTime: "2025-11-20T03:00:00Z" });
    refuses("auth.challenge", { serverTime: "2025-11-20T03:00:00+08:00" }, "payload.serverTime");
  });
});

describe("auth.ok", () => {
  it("takes a heartbeat interval of 5 to 3600 whole seconds", () => {
    for (const seconds of [5, 3600]) accepts("auth.ok", { heartbeatIntervalSeconds: seconds });
    for (const seconds of [4, 3601, 5.5]) {
      refuses("auth.ok", { heartbeatIntervalSeconds: seconds }, "payload.heartbeatIntervalSeconds");
    }
  });

  it("refuses a vmId that is not a UUID", () => {
    refuses("auth.ok", { vmId: "vm-1" }, "payload.vmId");
  });
});

describe("snapshot.start", () => {
  it("takes a part size from 5 MiB to 5 GiB", () => {
    for (const partSize of [5 * MIB, 5 * GIB]) accepts("snapshot.start", { partSize });
    for (const partSize of [5 * MIB - 1, 5 * GIB + 1]) {
      refuses("snapshot.start", { partSize }, "payload.partSize");
    }
  });

  it("takes an object key of 1 to 1024 characters and a grant of 1 to 2048", () => {
    accepts("snapshot.start", { objectKey: "k".repeat(1024), grant: "g".repeat(2048) });
    refuses("snapshot.start", { objectKey: "k".repeat(1025) }, "payload.objectKey");
    refuses("snapshot.start", { objectKey: "" }, "payload.objectKey");
    refuses("snapshot.start", { grant: "g".repeat(2049) }, "payload.grant");
    refuses("snapshot.start", { grant: "" }, "payload.grant");
  });

  it("takes only the known kinds and regions", () => {
    for (const kind of ["nightly", "export", "final", "pre-restore"]) {
      accepts("snapshot.start", { kind });
    }
    for (const region of ["SG", "US", "EU"]) accepts("snapshot.start", { region });
    refuses("snapshot.start", { kind: "weekly" }, "payload.kind");
    refuses("snapshot.start", { region: "sg" }, "payload.region");
  });
});

describe("upload.parts", () => {
  const part = (number: number) => ({ number, url: `https://r2.example.com/p?partNumber=${number}` });

  it("carries 1 to 200 parts", () => {
    const parts = (count: number) => Array.from({ length: count }, (_, i) => part(i + 1));
    for (const count of [1, 200]) accepts("upload.parts", { parts: parts(count) });
    refuses("upload.parts", { parts: [] }, "payload.parts");
    refuses("upload.parts", { parts: parts(201) }, "payload.parts");
  });

  it("numbers parts 1 to 10000", () => {
    accepts("upload.parts", { parts: [part(1), part(10_000)] });
    refuses("upload.parts", { parts: [part(1), part(0)] }, "payload.parts[1].number");
    refuses("upload.parts", { parts: [part(10_001)] }, "payload.parts[0].number");
  });

  it("takes http(s) URLs of up to 4096 characters", () => {
    accepts("upload.parts", { parts: [{ number: 1, url: url(4096) }] });
    accepts("upload.parts", { parts: [{ number: 1, url: "http://127.0.0.1:9000/b/k" }] });
    refuses("upload.parts", { parts: [{ number: 1, url: url(4097) }] }, "payload.parts[0].url");
    for (const bad of ["ftp://r2.example.com/k", "file:///etc/passwd", "not a url"]) {
      refuses("upload.parts", { parts: [{ number: 1, url: bad }] }, "payload.parts[0].url");
    }
  });

  it("needs replyTo to be a message id", () => {
    refuses("upload.parts", { replyTo: "" }, "payload.replyTo");
    refuses("upload.parts", { replyTo: "r".repeat(65) }, "payload.replyTo");
  });
});

describe("restore.start", () => {
  it("takes a size of 0 or more and a lower-case hex SHA-256", () => {
    accepts("restore.start", { size: 0 });
    refuses("restore.start", { size: -1 }, "payload.size");
    refuses("restore.start", { sha256: "A".repeat(64) }, "payload.sha256");
    refuses("restore.start", { sha256: "a".repeat(63) }, "payload.sha256");
    refuses("restore.start", { downloadUrl: url(4097) }, "payload.downloadUrl");
  });
});

describe("initial restore", () => {
  it("auth.ok may carry the initial restore's state; older gateways leave it out", () => {
    accepts("auth.ok", { initialRestore: undefined });
    accepts("auth.ok", { initialRestore: { state: "pending" } });
    accepts("auth.ok", { initialRestore: { state: "failed", message: "m".repeat(2000) } });
    refuses("auth.ok", { initialRestore: { state: "maybe" } }, "payload.initialRestore.state");
  });

  it("initial-restore.status takes pending, none or failed, with a message of up to 2000 characters", () => {
    for (const state of ["pending", "none", "failed"]) accepts("initial-restore.status", { state, message: undefined });
    refuses("initial-restore.status", { state: "done" }, "payload.state");
    refuses("initial-restore.status", { message: "m".repeat(2001) }, "payload.message");
  });
});

describe("app.pause, app.resume and error", () => {
  it("takes a pause reason of up to 200 characters, or none", () => {
    accepts("app.pause", { reason: undefined });
    accepts("app.pause", { reason: "r".repeat(200) });
    refuses("app.pause", { reason: "r".repeat(201) }, "payload.reason");
    accepts("app.resume", {});
  });

  it("takes error codes of the form E_… up to 64 characters and messages up to 2000", () => {
    accepts("error", { code: `E_${"X".repeat(62)}`, message: "m".repeat(2000), replyTo: undefined });
    refuses("error", { code: `E_${"X".repeat(63)}`, message: "" }, "payload.code");
    for (const code of ["E_", "BAD", "E_lower", "e_BAD"]) refuses("error", { code, message: "" }, "payload.code");
    refuses("error", { code: "E_X", message: "m".repeat(2001) }, "payload.message");
    refuses("error", { code: "E_X", message: "", replyTo: "not an id!" }, "payload.replyTo");
  });
});

// What an authenticated agent can send that is wrong: each bad frame gets an error frame and a log
// line, the connection lives on, and nobody else's connection notices.
import { describe, expect, test } from "vitest";
import { MAX_FRAME_BYTES } from "@nacre/protocol";
import { createEnrolledVm, useGateway } from "./fixtures.ts";
import { SimAgent } from "./sim-agent.ts";

const fixture = useGateway();

async function connected(): Promise<SimAgent> {
  const vm = await createEnrolledVm(fixture().sql);
  const agent = new SimAgent({ url: fixture().gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
  await agent.ready();
  return agent;
}

const beat = { agentVersion: "0.1.0", diskFreeBytes: 1, appStatus: "running" as const, lastBackupSucceededAt: null, lastBackupError: null, busySnapshotId: null };

describe("bad frames from an authenticated agent", () => {
  test.each([
    ["not JSON", "{nope", "E_NOT_JSON"],
    ["a bad envelope", JSON.stringify({ hello: 1 }), "E_BAD_ENVELOPE"],
    ["another protocol version", JSON.stringify({ v: 9, type: "heartbeat", id: "x1", payload: {} }), "E_UNSUPPORTED_VERSION"],
    ["an unknown type", JSON.stringify({ v: 1, type: "steal.keys", id: "x2", payload: {} }), "E_UNKNOWN_TYPE"],
    ["a gateway-only message", JSON.stringify({ v: 1, type: "auth.ok", id: "x3", payload: { vmId: "00000000-0000-4000-8000-000000000000", heartbeatIntervalSeconds: 30 } }), "E_UNKNOWN_TYPE"],
    ["a bad payload", JSON.stringify({ v: 1, type: "heartbeat", id: "x4", payload: { diskFreeBytes: -1 } }), "E_BAD_PAYLOAD"],
    ["an oversized frame", JSON.stringify({ v: 1, type: "heartbeat", id: "x5", payload: { pad: "x".repeat(MAX_FRAME_BYTES) } }), "E_FRAME_TOO_LARGE"],
  ])("%s gets an error frame and the connection survives", async (_name, frame, code) => {
    const agent = await connected();
    agent.sendRaw(frame);
    const error = await agent.next("error");
    expect(error.payload.code).toBe(code);
    // Still alive and still served: a valid request after the bad frame is answered.
    agent.send("heartbeat", beat);
    const id = agent.send("upload.parts.request", { snapshotId: "00000000-0000-4000-8000-000000000000", fromPart: 1, count: 1 });
    expect((await agent.next("error", (e) => e.payload.replyTo === id)).payload.code).toBe("E_UPLOAD_UNKNOWN");
    agent.close();
  });

  test("a frame beyond what the socket buffers closes that socket only", async () => {
    const victim = await connected();
    const bystander = await connected();
    victim.sendRaw("x".repeat(4 * MAX_FRAME_BYTES));
    expect(await victim.closed).toBe(1009);
    bystander.send("heartbeat", beat);
    const id = bystander.send("upload.parts.request", { snapshotId: "00000000-0000-4000-8000-000000000000", fromPart: 1, count: 1 });
    expect((await bystander.next("error", (e) => e.payload.replyTo === id)).payload.code).toBe("E_UPLOAD_UNKNOWN");
    bystander.close();
  });

  test("binary frames are refused with an error frame", async () => {
    const agent = await connected();
    agent.sendRaw(Buffer.from([0, 1, 2, 3]));
    expect((await agent.next("error")).payload.code).toBe("E_NOT_JSON");
    agent.close();
  });

  test("heartbeats reach the VM row in batches", async () => {
    const { sql, gateway } = fixture();
    const vm = await createEnrolledVm(sql);
    const agent = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
    await agent.ready();
    agent.send("heartbeat", { ...beat, diskFreeBytes: 123_456_789, appStatus: "paused", lastBackupError: "disk full" });
    await expect.poll(async () => {
      if (fixture().logs.some((l) => l["level"] === "error")) throw new Error(JSON.stringify(fixture().logs.filter((l) => l["level"] === "error")));
      const [row] = await sql`select disk_free_bytes, app_status, last_backup_error, agent_version, last_heartbeat_at from public.vms where id = ${vm.vmId}`;
      return row;
    }).toMatchObject({ disk_free_bytes: "123456789", app_status: "paused", last_backup_error: "disk full", agent_version: "0.1.0" });
    agent.close();
  });
});

describe("reports about work that is not this VM's", () => {
  test("a restore report for a restore this VM does not own is refused with an error frame", async () => {
    const agent = await connected();
    const id = agent.send("restore.done", { restoreId: "00000000-0000-4000-8000-000000000000" });
    expect((await agent.next("error", (e) => e.payload.replyTo === id)).payload.code).toBe("E_RESTORE_NOT_YOURS");
    agent.close();
  });
});

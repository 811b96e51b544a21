import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Daemon, enroll, makeManagedInstall } from "./agent-harness.ts";
import type { ManagedInstall } from "./agent-harness.ts";
import { startTestGateway } from "./test-gateway.ts";
import type { TestGateway } from "./test-gateway.ts";

let gateway: TestGateway;
const daemons: Daemon[] = [];
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()));
  gateway.links.splice(0);
});
afterAll(async () => {
  await gateway.stop();
});

async function enrolledDaemon(fields: Parameters<typeof makeManagedInstall>[1] = {}): Promise<{ install: ManagedInstall; daemon: Daemon; vmId: string }> {
  const install = makeManagedInstall(gateway, fields);
  const r = await enroll(install);
  expect(r.code, r.stderr).toBe(0);
  const daemon = new Daemon(install);
  daemons.push(daemon);
  return { install, daemon, vmId: JSON.parse(readFileSync(install.identityFile, "utf8")).vmId };
}

describe("run", () => {
  it("answers the challenge with a signature the gateway verifies, then heartbeats at once and every interval", async () => {
    const { daemon, vmId } = await enrolledDaemon({ app: { statusCommand: ["true"] } });
    const link = await gateway.authenticatedLink(0);
    const hello = await link.waitFor("agent.hello");
    expect(hello.payload).toMatchObject({ vmId, capabilities: ["snapshot.v1"], agentVersion: expect.any(String) });

    const first = await link.waitFor("heartbeat");
    expect(first.payload).toMatchObject({ appStatus: "running", lastBackupSucceededAt: null, lastBackupError: null, busySnapshotId: null });
    expect(first.payload.diskFreeBytes).toBeGreaterThan(0);
    await link.waitFor("heartbeat", (h) => h.id !== first.id, (gateway.heartbeatIntervalSeconds + 3) * 1000);
    expect(link.refused).toEqual([]);

    await daemon.waitForEvent((e) => e.event === "gateway.authenticated");
    expect(await daemon.stop()).toBe(0);
    expect(daemon.events.some((e) => e.event === "agent.stopped")).toBe(true);
  });

  it("answers a frame it cannot decode with an error frame, and the connection carries on", async () => {
    const { daemon } = await enrolledDaemon();
    const link = await gateway.authenticatedLink(0);
    link.socket.send("this is not json");
    await link.waitFor("error", (e) => e.payload.code === "E_NOT_JSON");
    link.socket.send(JSON.stringify({ v: 1, type: "snapshot.start", id: "bad-payload-1", payload: { snapshotId: "nope" } }));
    const bad = await link.waitFor("error", (e) => e.payload.replyTo === "bad-payload-1");
    expect(bad.payload.code).toBe("E_BAD_PAYLOAD");
    link.socket.send(JSON.stringify({ v: 1, type: "vm.selfdestruct", id: "unknown-type-1", payload: {} }));
    expect((await link.waitFor("error", (e) => e.payload.replyTo === "unknown-type-1")).payload.code).toBe("E_UNKNOWN_TYPE");
    link.socket.sendBinary(new Uint8Array([1, 2, 3]));
    await link.waitFor("error", (e) => e.payload.code === "E_NOT_JSON" && /binary/.test(e.payload.message));

    // Still the same connection, still acting on commands.
    const restoreId = "5d1f7c8e-2b7a-4c55-9a41-2f0f6f7d8a10";
    const id = link.send("restore.start", { restoreId, snapshotId: restoreId, downloadUrl: "https://example.com/x", size: 1, sha256: "0".repeat(64), grant: "g" });
    await link.waitFor("command.accepted", (m) => m.payload.replyTo === id);
    // A grant that is not one is refused before anything is touched (restores themselves: apps/gateway/test/restore-agent.test.ts).
    const refused = (await link.waitFor("restore.failed")).payload;
    expect(refused).toMatchObject({ restoreId, rolledBack: true });
    expect(refused.code).toMatch(/^E_(GRANT|DATA_DIR|DISK)/);
    expect(gateway.links).toHaveLength(1);
    expect(daemon.events.some((e) => e.code === "E_BAD_PAYLOAD" && e.event === "gateway.bad-frame")).toBe(true);
  });

  it("app.pause runs the pause command and the heartbeat says paused; a failing resume is an E_APP_COMMAND error", async () => {
    const { install } = await enrolledDaemon((root) => ({
      app: { pauseCommand: ["touch", join(root, "paused")], resumeCommand: ["false"], statusCommand: ["true"] },
    }));
    const marker = join(install.root, "paused");
    const link = await gateway.authenticatedLink(0);
    await link.waitFor("heartbeat", (h) => h.payload.appStatus === "running");
    const pause = link.send("app.pause", { reason: "restore" });
    await link.waitFor("command.accepted", (m) => m.payload.replyTo === pause);
    await link.waitFor("heartbeat", (h) => h.payload.appStatus === "paused");
    expect(existsSync(marker)).toBe(true);

    const resume = link.send("app.resume", {});
    const error = await link.waitFor("error", (e) => e.payload.replyTo === resume);
    expect(error.payload.code).toBe("E_APP_COMMAND");
    expect(error.payload.message).toMatch(/app\.resumeCommand `false` exited with code 1/);
  });

  it("reconnects after the link drops; a 1008 refusal is logged with the advice to re-enroll", async () => {
    const { daemon, vmId } = await enrolledDaemon();
    const first = await gateway.authenticatedLink(0);
    first.socket.destroy();
    await gateway.authenticatedLink(1, 10_000);
    await daemon.waitForEvent((e) => e.event === "gateway.waiting" && e.code === "W_DISCONNECTED");

    const enrolled = gateway.agents.get(vmId)!;
    gateway.agents.delete(vmId);
    gateway.links[1]!.socket.close(1012, "restarting");
    const refused = await daemon.waitForEvent((e) => e.code === "E_AUTH_REFUSED", 15_000);
    expect(refused.message).toMatch(/re-enroll it with `nacre-agent enroll --token <token> --force`/);
    expect(refused.retryInMs).toBeGreaterThanOrEqual(30_000);
    expect(daemon.events.some((e) => e.event === "gateway.error" && e.code === "E_AUTH_FAILED")).toBe(true);
    gateway.agents.set(vmId, enrolled);
    // Waiting out the refusal backoff must not delay a stop.
    expect(await daemon.stop()).toBe(0);
  });

  it("a link that stops carrying anything (no heartbeat.ack) is treated as dead and dialled again", async () => {
    const { daemon } = await enrolledDaemon();
    const first = await gateway.authenticatedLink(0);
    await first.waitFor("heartbeat");
    // From now on the gateway is silent but the TCP connection stays open, as behind a dead NAT flow.
    gateway.ackHeartbeats = false;
    try {
      const stale = await daemon.waitForEvent((e) => e.event === "gateway.waiting" && /link is dead/.test(String(e.message)), 30_000);
      expect(stale.message).toMatch(/nothing from the gateway for \d+ s/);
      gateway.ackHeartbeats = true;
      await gateway.authenticatedLink(1, 20_000);
    } finally {
      gateway.ackHeartbeats = true;
    }
    expect(await daemon.stop()).toBe(0);
  });
});

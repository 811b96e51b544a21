// Enrollment and authentication against the real gateway: a one-time token buys one enrollment, the
// agent proves itself by signing the connection's challenge, and everything else gets 1008.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createEnrollmentToken, revokeAgentIdentity, withServiceSession } from "@nacre/db";
import { disconnectAgent, locateAgent } from "@nacre/fleet";
import { describe, expect, test } from "vitest";
import { createEnrolledVm, useGateway } from "./fixtures.ts";
import { SimAgent } from "./sim-agent.ts";

const fixture = useGateway();
const httpUrl = (): string => fixture().gateway.url.replace(/^ws/, "http").replace(/\/agent$/, "");
const rawPublic = (): string => generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x as string;

async function enroll(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${httpUrl()}/enroll`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function newVmWithToken(ttlSeconds = 600, now = new Date()): Promise<{ vmId: string; token: string }> {
  const { sql } = fixture();
  const vm = await createEnrolledVm(sql);
  const token = await withServiceSession(sql, (tx) => createEnrollmentToken(tx, vm.vmId, ttlSeconds, now));
  return { vmId: vm.vmId, token };
}

describe("enrollment", () => {
  test("a fresh token enrolls once; the second use is refused", async () => {
    const { vmId, token } = await newVmWithToken();
    const body = { token, identityKey: rawPublic(), sealingKey: rawPublic(), agentVersion: "0.1.0" };
    const first = await enroll(body);
    expect(first.status).toBe(200);
    expect(first.json["vmId"]).toBe(vmId);
    expect(first.json["controlPlaneKey"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = await enroll({ ...body, identityKey: rawPublic() });
    expect(second).toMatchObject({ status: 403, json: { code: "E_ENROLL_TOKEN_USED" } });
  });

  test("an expired or unknown token is refused, and nothing is stored in the database but its hash", async () => {
    const { token } = await newVmWithToken(60, new Date(Date.now() - 120_000));
    expect(await enroll({ token, identityKey: rawPublic(), sealingKey: rawPublic(), agentVersion: "0.1.0" })).toMatchObject({
      status: 403, json: { code: "E_ENROLL_TOKEN_EXPIRED" },
    });
    expect(await enroll({ token: "x".repeat(43), identityKey: rawPublic(), sealingKey: rawPublic(), agentVersion: "0.1.0" })).toMatchObject({
      status: 403, json: { code: "E_ENROLL_TOKEN_UNKNOWN" },
    });
    const [row] = await fixture().sql`select count(*)::int as n from public.enrollment_tokens where encode(token_sha256, 'escape') like ${`%${token}%`}`;
    expect(row?.["n"]).toBe(0);
  });

  test("malformed requests get a clear 4xx, not a crash", async () => {
    const res = await fetch(`${httpUrl()}/enroll`, { method: "POST", body: "{not json" });
    expect(res.status).toBe(400);
    expect(await enroll({ token: "t".repeat(20), identityKey: "short", sealingKey: rawPublic(), agentVersion: "1" })).toMatchObject({
      status: 422, json: { code: "E_BAD_REQUEST" },
    });
    const huge = await fetch(`${httpUrl()}/enroll`, { method: "POST", body: "x".repeat(100_000) }).catch(() => undefined);
    expect(huge === undefined || huge.status === 413).toBe(true);
  });
});

describe("authentication", () => {
  test("an enrolled agent that signs the challenge is authenticated and registered in Redis", async () => {
    const { sql, redis, gateway } = fixture();
    const vm = await createEnrolledVm(sql);
    const agent = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
    await agent.ready();
    expect(await locateAgent(redis, vm.vmId)).toBeDefined();
    agent.close();
    await agent.closed;
    await expect.poll(() => locateAgent(redis, vm.vmId)).toBeUndefined();
  });

  test("a signature by another key is refused with 1008", async () => {
    const { sql, gateway } = fixture();
    const vm = await createEnrolledVm(sql);
    const agent = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: generateKeyPairSync("ed25519").privateKey });
    expect(await agent.closed).toBe(1008);
  });

  test("an unknown VM, and anything sent before the hello, get 1008 and nothing else", async () => {
    const { gateway } = fixture();
    const stranger = new SimAgent({ url: gateway.url, vmId: randomUUID(), identityKey: generateKeyPairSync("ed25519").privateKey });
    expect(await stranger.closed).toBe(1008);
    const rude = new SimAgent({ url: gateway.url, vmId: randomUUID(), identityKey: generateKeyPairSync("ed25519").privateKey, noHello: true });
    await rude.next("auth.challenge");
    rude.send("heartbeat", { agentVersion: "1", diskFreeBytes: 1, appStatus: "running", lastBackupSucceededAt: null, lastBackupError: null, busySnapshotId: null });
    expect(await rude.closed).toBe(1008);
    expect(rude.received.filter((m) => m.type !== "error")).toEqual([]);
  });

  test("a hello replayed on another connection fails: every connection has its own nonce", async () => {
    const { sql, gateway } = fixture();
    const vm = await createEnrolledVm(sql);
    const honest = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
    await honest.ready();
    const eavesdropped = honest.raw.find((t) => t.includes('"auth.challenge"')) as string;
    const oldNonce = (JSON.parse(eavesdropped) as { payload: { nonce: string } }).payload.nonce;
    const attacker = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey, noHello: true });
    const challenge = await attacker.next("auth.challenge");
    expect(challenge.payload.nonce).not.toBe(oldNonce);
    attacker.send("agent.hello", { vmId: vm.vmId, agentVersion: "x", capabilities: [], nonce: oldNonce, signature: "A".repeat(86) });
    expect(await attacker.closed).toBe(1008);
    honest.close();
  });

  test("support revokes a VM's identity: the live socket is dropped and the next connection refused", async () => {
    const { sql, gateway, redis } = fixture();
    const vm = await createEnrolledVm(sql);
    const live = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
    await live.ready();
    await withServiceSession(sql, (tx) => revokeAgentIdentity(tx, vm.vmId, new Date()));
    expect(await disconnectAgent(redis, vm.vmId)).toBe(true);
    expect(await live.closed).toBe(1008);
    const agent = new SimAgent({ url: gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
    expect(await agent.closed).toBe(1008);
  });

  test("a silent socket is closed with 1008 after the authentication timeout", async () => {
    const replica = await fixture().startReplica(`auth-timeout-${randomUUID().slice(0, 6)}`, { authTimeoutMs: 300 });
    const silent = new SimAgent({ url: replica.url, vmId: randomUUID(), identityKey: generateKeyPairSync("ed25519").privateKey, noHello: true });
    expect(await silent.closed).toBe(1008);
  });
});

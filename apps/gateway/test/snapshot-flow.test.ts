// Managed snapshots through the real gateway, Postgres, Redis and S3 server: the happy path records
// exactly what is in the bucket, and the security rules hold (no URLs or reports for another VM's
// upload, no second use of a finished upload, and an agent dying mid-upload leaves nothing behind).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { customerKeyById, withServiceSession } from "@nacre/db";
import { failSnapshot, runSnapshot, sendCommand, startSnapshot, sweepExpiredUploads, UPLOAD_LIFETIME_MS } from "@nacre/fleet";
import { decryptBuffer, unwrapDataKey } from "@nacre/snapshot";
import { afterAll, describe, expect, inject, test } from "vitest";
import { BUCKETS, createEnrolledVm, useGateway } from "./fixtures.ts";
import { SimAgent } from "./sim-agent.ts";
import { serveOneSnapshot } from "./sim-snapshots.ts";

const fixture = useGateway();
const subscriber = new Redis(inject("redisUrl"));
afterAll(() => subscriber.disconnect());
const SEND = { acceptTimeoutMs: 10_000, resendEveryMs: 1_000, outcomeTimeoutMs: 30_000 };

async function online(region: "SG" | "US" | "EU" = "EU") {
  const vm = await createEnrolledVm(fixture().sql, region);
  const agent = new SimAgent({ url: fixture().gateway.url, vmId: vm.vmId, identityKey: vm.identityKey });
  await agent.ready();
  return { vm, agent };
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const url = await fixture().cp.signer.presignGetObject(bucket, key, 60);
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe("managed snapshots", () => {
  test("a snapshot on command lands in the region's bucket and its row matches the object", async () => {
    const { cp, redis } = fixture();
    const { vm, agent } = await online("EU");
    const data = randomBytes(12 * 1024 * 1024);
    const served = serveOneSnapshot(agent, { vmId: vm.vmId, sealingKey: vm.sealingKey, grantSigningKey: cp.grantSigningKey, data });
    const outcome = await runSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: data.length }, { redis, subscriber, ...SEND });
    await served;
    expect(outcome).toMatchObject({ ok: true, bucket: BUCKETS.EU });
    if (!outcome.ok) return;

    const [row] = await fixture().sql`select region, bucket, object_key, size_bytes, sha256, key_id, status from public.snapshots where id = ${outcome.snapshotId}`;
    const object = await objectBytes(outcome.bucket, outcome.objectKey);
    expect(row).toMatchObject({ region: "EU", bucket: BUCKETS.EU, status: "completed", key_id: `${vm.customerId}:v1` });
    expect(Number(row?.["size_bytes"])).toBe(object.length);
    expect(row?.["sha256"]).toBe(createHash("sha256").update(object).digest("hex"));

    // The control plane (not the agent) can open it with the customer key the header names.
    const plain = await decryptBuffer(object, {
      key: { unwrap: async (keyId, wrapped) => unwrapDataKey((await withServiceSession(fixture().sql, (tx) => customerKeyById(tx, keyId))).key, wrapped) },
    });
    expect(plain.equals(data)).toBe(true);

    // Nothing the agent received carries the customer key, in any encoding.
    const { key: customerKey } = await withServiceSession(fixture().sql, (tx) => customerKeyById(tx, `${vm.customerId}:v1`));
    const everything = agent.raw.join("\n");
    for (const encoding of ["hex", "base64", "base64url"] as const) expect(everything).not.toContain(customerKey.toString(encoding));
    agent.close();
  });

  test("another VM's agent gets neither part URLs nor a say in the upload, and a finished upload cannot be reused", async () => {
    const { cp, redis } = fixture();
    const { vm, agent } = await online();
    const { agent: intruder } = await online();
    const data = randomBytes(64 * 1024);
    const started = await startSnapshot(cp, { vmId: vm.vmId, kind: "export", expectedBytes: data.length });

    const ask = intruder.send("upload.parts.request", { snapshotId: started.snapshotId, fromPart: 1, count: 5 });
    expect((await intruder.next("error", (e) => e.payload.replyTo === ask)).payload.code).toBe("E_UPLOAD_NOT_YOURS");
    const claim = intruder.send("snapshot.done", { snapshotId: started.snapshotId, size: 1, sha256: "0".repeat(64), parts: [{ number: 1, etag: "x" }] });
    expect((await intruder.next("error", (e) => e.payload.replyTo === claim)).payload.code).toBe("E_UPLOAD_NOT_YOURS");

    const served = serveOneSnapshot(agent, { vmId: vm.vmId, sealingKey: vm.sealingKey, grantSigningKey: cp.grantSigningKey, data });
    await sendCommand(redis, subscriber, { vmId: vm.vmId, commandId: started.snapshotId, frame: started.frame }, SEND);
    await served;
    await expect.poll(async () => (await fixture().sql`select count(*)::int as n from public.snapshots where id = ${started.snapshotId}`)[0]?.["n"]).toBe(1);

    const again = agent.send("upload.parts.request", { snapshotId: started.snapshotId, fromPart: 1, count: 1 });
    expect((await agent.next("error", (e) => e.payload.replyTo === again)).payload.code).toBe("E_UPLOAD_CLOSED");
    agent.close();
    intruder.close();
  });

  test("an agent that dies mid-upload leaves no snapshot row, no object and no open multipart upload", async () => {
    const { cp, redis, s3, sql } = fixture();
    const { vm, agent } = await online("SG");
    const data = randomBytes(14 * 1024 * 1024); // three 5 MiB parts
    const started = await startSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: data.length });
    const served = serveOneSnapshot(agent, { vmId: vm.vmId, sealingKey: vm.sealingKey, grantSigningKey: cp.grantSigningKey, data, dieAfterParts: 1 });
    await sendCommand(redis, subscriber, { vmId: vm.vmId, commandId: started.snapshotId, frame: started.frame }, SEND);
    expect(await served).toBeUndefined();
    expect(await s3.unfinishedUploads(BUCKETS.SG)).not.toEqual([]);

    // The sweeper runs later than the upload's lifetime.
    const later = { ...cp, now: () => new Date(Date.now() + UPLOAD_LIFETIME_MS + 60_000) };
    expect(await sweepExpiredUploads(later)).toBeGreaterThanOrEqual(1);
    expect((await sql`select count(*)::int as n from public.snapshots where id = ${started.snapshotId}`)[0]?.["n"]).toBe(0);
    expect((await sql`select status from public.snapshot_uploads where id = ${started.snapshotId}`)[0]?.["status"]).toBe("aborted");
    expect(await cp.signer.headObject(BUCKETS.SG, started.objectKey)).toBeUndefined();
    expect(await s3.unfinishedUploads(BUCKETS.SG)).toEqual([]);
  });

  test("a report whose size disagrees with the object is refused and nothing is recorded", async () => {
    const { cp, redis, sql } = fixture();
    const { vm, agent } = await online();
    const data = randomBytes(300 * 1024);
    const started = await startSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: data.length });
    const served = serveOneSnapshot(agent, { vmId: vm.vmId, sealingKey: vm.sealingKey, grantSigningKey: cp.grantSigningKey, data, lieAboutSize: 1000 });
    await sendCommand(redis, subscriber, { vmId: vm.vmId, commandId: started.snapshotId, frame: started.frame }, SEND);
    await served;
    await expect.poll(async () => (await sql`select status, error_code from public.snapshot_uploads where id = ${started.snapshotId}`)[0]).toMatchObject({
      status: "failed",
    });
    expect((await sql`select count(*)::int as n from public.snapshots where id = ${started.snapshotId}`)[0]?.["n"]).toBe(0);
    expect(await cp.signer.headObject(started.bucket, started.objectKey)).toBeUndefined();
    agent.close();
  });

  test("a VM can have one upload in flight; an offline agent fails the command and the upload is aborted", async () => {
    const { cp, redis, sql } = fixture();
    const vm = await createEnrolledVm(sql);
    const first = await startSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: 1 });
    await expect(startSnapshot(cp, { vmId: vm.vmId, kind: "export", expectedBytes: 1 })).rejects.toMatchObject({ code: "E_SNAPSHOT_IN_FLIGHT" });
    await failSnapshot(cp, vm.vmId, { snapshotId: first.snapshotId, code: "E_TEST", message: "cleared by the test" });
    const outcome = await runSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: 1 }, { redis, subscriber, ...SEND });
    expect(outcome).toMatchObject({ ok: false, code: "E_AGENT_OFFLINE" });
  });

  test("commands reach an agent through whichever replica holds its socket", async () => {
    const { cp, redis, sql } = fixture();
    const replica = await fixture().startReplica(`replica-${randomUUID().slice(0, 6)}`);
    const vm = await createEnrolledVm(sql);
    const agent = new SimAgent({ url: replica.url, vmId: vm.vmId, identityKey: vm.identityKey });
    await agent.ready();
    const data = randomBytes(100_000);
    const served = serveOneSnapshot(agent, { vmId: vm.vmId, sealingKey: vm.sealingKey, grantSigningKey: cp.grantSigningKey, data });
    const outcome = await runSnapshot(cp, { vmId: vm.vmId, kind: "nightly", expectedBytes: data.length }, { redis, subscriber, ...SEND });
    await served;
    expect(outcome.ok).toBe(true);

    // Draining the replica tells the agent to go elsewhere (1012).
    await replica.close();
    expect(await agent.closed).toBe(1012);
  });
});

// snapshot.start end to end on the agent's side: the test gateway plays the control plane (it issues the
// grant, creates the multipart upload on the local S3 server and pre-signs the parts the agent asks for),
// the daemon streams /data into the parts, and the object the control plane completes is the one reported.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { generateDataKey, issueGrant, wrapDataKey } from "@nacre/core";
import { useS3Server } from "@nacre/local-stack/vitest";
import type { PayloadOf } from "@nacre/protocol";
import { createBucketSigner } from "@nacre/storage";
import type { BucketSigner } from "@nacre/storage";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Daemon, enroll, makeManagedInstall } from "./agent-harness.ts";
import type { ManagedInstall } from "./agent-harness.ts";
import { runAgent } from "./cli-harness.ts";
import { startTestGateway } from "./test-gateway.ts";
import type { AgentLink, TestGateway } from "./test-gateway.ts";

const BUCKET = "snapshots";
const PART_SIZE = 5 * 1024 * 1024;
const server = useS3Server({ buckets: [BUCKET] });
const customerKey = generateDataKey();

let gateway: TestGateway;
let signer: BucketSigner;
const daemons: Daemon[] = [];
beforeAll(async () => {
  gateway = await startTestGateway();
  const s = server();
  signer = createBucketSigner({ endpoint: s.endpoint, region: s.region, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey });
});
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()));
  gateway.links.splice(0);
});
afterAll(async () => {
  await gateway.stop();
});

interface Agent {
  install: ManagedInstall;
  vmId: string;
}

async function enrolledAgent(): Promise<Agent> {
  const install = makeManagedInstall(gateway, { exclude: ["data/cache/"] });
  // Random bytes do not compress: a bit over one 5 MiB part, so the object has two.
  writeFileSync(join(install.dataDir, "big.bin"), randomBytes(PART_SIZE + 1024 * 1024));
  mkdirSync(join(install.dataDir, "cache"));
  writeFileSync(join(install.dataDir, "cache", "junk"), "not worth keeping");
  const r = await enroll(install);
  expect(r.code, r.stderr).toBe(0);
  return { install, vmId: JSON.parse(readFileSync(install.identityFile, "utf8")).vmId };
}

async function connect(agent: Agent, n = 0): Promise<AgentLink> {
  daemons.push(new Daemon(agent.install));
  return gateway.authenticatedLink(n);
}

/** What the control plane does before sending snapshot.start: a grant, an upload, and URLs on request. */
async function prepareSnapshot(link: AgentLink, vmId: string, opts: { grantVmId?: string; answerParts?: boolean } = {}) {
  const snapshotId = randomUUID();
  const objectKey = `vm/${vmId}/${snapshotId}.nacre`;
  const uploadId = await signer.createMultipartUpload(BUCKET, objectKey);
  const dataKey = generateDataKey();
  const grant = issueGrant(
    {
      purpose: "snapshot",
      vmId: opts.grantVmId ?? vmId,
      snapshotId,
      keyId: "customer-1/v1",
      expiresAt: Date.now() + 10 * 60_000,
      dataKey,
      wrappedKey: wrapDataKey(customerKey, dataKey),
      agentPublicKey: gateway.agents.get(vmId)!.sealingKey,
    },
    gateway.controlPlane.privateKey,
  );
  if (opts.answerParts !== false) {
    link.onMessage(async (m) => {
      if (m.type !== "upload.parts.request" || m.payload.snapshotId !== snapshotId) return;
      const numbers = Array.from({ length: m.payload.count }, (_, i) => m.payload.fromPart + i);
      const parts = await signer.presignUploadParts(BUCKET, objectKey, uploadId, numbers, 300);
      link.send("upload.parts", { replyTo: m.id, snapshotId, parts, expiresAt: new Date(Date.now() + 300_000).toISOString() });
    });
  }
  const start: PayloadOf<"snapshot.start"> = { snapshotId, kind: "nightly", objectKey, region: "EU", partSize: PART_SIZE, grant };
  return { snapshotId, objectKey, uploadId, start };
}

describe("snapshot.start", () => {
  it("uploads /data through the pre-signed parts; snapshot.done matches the completed object, which decrypts", async () => {
    const agent = await enrolledAgent();
    const link = await connect(agent);
    const { snapshotId, objectKey, uploadId, start } = await prepareSnapshot(link, agent.vmId);
    const commandId = link.send("snapshot.start", start);
    await link.waitFor("command.accepted", (m) => m.payload.replyTo === commandId);
    const done = await link.waitFor("snapshot.done", (m) => m.payload.snapshotId === snapshotId, 90_000);
    expect(done.payload.parts.map((p) => p.number)).toEqual([1, 2]);
    expect(link.all("upload.parts.request")[0]!.payload).toMatchObject({ snapshotId, fromPart: 1 });
    expect(link.all("snapshot.progress").length).toBeGreaterThan(0);
    await link.waitFor("heartbeat", (h) => h.payload.lastBackupSucceededAt !== null && h.payload.busySnapshotId === null);

    await signer.completeMultipartUpload(BUCKET, objectKey, uploadId, done.payload.parts);
    expect((await signer.headObject(BUCKET, objectKey))?.size).toBe(done.payload.size);
    const blob = Buffer.from(await (await fetch(await signer.presignGetObject(BUCKET, objectKey, 60))).arrayBuffer());
    expect(createHash("sha256").update(blob).digest("hex")).toBe(done.payload.sha256);

    // The customer opens it offline with their key: /data is there, the excluded cache is not.
    const root = agent.install.root;
    writeFileSync(join(root, "export.nacre"), blob);
    writeFileSync(join(root, "customer.key"), Buffer.from(customerKey).toString("hex"), { mode: 0o600 });
    const r = await runAgent(["decrypt", join(root, "export.nacre"), "-o", join(root, "export.tar"), "--customer-key-file", join(root, "customer.key")], { HOME: root });
    expect(r.code, r.stderr).toBe(0);
    const listing = execFileSync("tar", ["-tf", join(root, "export.tar")], { encoding: "utf8" });
    expect(listing).toMatch(/^data\/big\.bin$/m);
    expect(listing).toMatch(/^data\/memory\/2026-11-21\.md$/m);
    expect(listing).not.toMatch(/cache\/junk/);

    // At-least-once: the same snapshot asked for again (new command id, and the very same frame) gets the same report.
    const again = link.send("snapshot.start", start);
    link.send("snapshot.start", start, again);
    await link.waitFor("command.accepted", (m) => m.payload.replyTo === again);
    await expect.poll(() => link.all("snapshot.done").length, { timeout: 10_000 }).toBe(3);
    for (const report of link.all("snapshot.done")) expect(report.payload).toEqual(done.payload);
    expect(link.all("command.accepted").filter((m) => m.payload.replyTo === again)).toHaveLength(2);

    // The report and the last success survive a restart of the agent.
    await daemons.splice(0)[0]!.stop();
    const next = await connect(agent, 1);
    expect((await next.waitFor("heartbeat")).payload.lastBackupSucceededAt).toBe(
      link.all("heartbeat").at(-1)!.payload.lastBackupSucceededAt,
    );
    next.send("snapshot.start", start);
    expect((await next.waitFor("snapshot.done")).payload).toEqual(done.payload);
    expect(next.all("upload.parts.request")).toHaveLength(0);
  });

  it("refuses a grant for another VM (E_GRANT_WRONG_VM, not retryable) without asking for a single part", async () => {
    const agent = await enrolledAgent();
    const link = await connect(agent);
    const { snapshotId, start } = await prepareSnapshot(link, agent.vmId, { grantVmId: randomUUID() });
    link.send("snapshot.start", start);
    const failed = await link.waitFor("snapshot.failed", (m) => m.payload.snapshotId === snapshotId);
    expect(failed.payload).toMatchObject({ code: "E_GRANT_WRONG_VM", retryable: false });
    expect(failed.payload.message).toMatch(/not this VM/);
    expect(link.all("upload.parts.request")).toHaveLength(0);
    const beat = await link.waitFor("heartbeat", (h) => h.payload.lastBackupError !== null);
    expect(beat.payload.lastBackupError).toMatch(/^E_GRANT_WRONG_VM: /);
  });

  it("one at a time: another snapshot meanwhile is E_BUSY; SIGTERM aborts the running one, reported as failed", async () => {
    const agent = await enrolledAgent();
    const link = await connect(agent);
    // The control plane never answers the part request, so the first snapshot stays busy.
    const first = await prepareSnapshot(link, agent.vmId, { answerParts: false });
    link.send("snapshot.start", first.start);
    await link.waitFor("upload.parts.request", (m) => m.payload.snapshotId === first.snapshotId);
    await link.waitFor("heartbeat", (h) => h.payload.busySnapshotId === first.snapshotId);

    const second = await prepareSnapshot(link, agent.vmId);
    link.send("snapshot.start", second.start);
    const busy = await link.waitFor("snapshot.failed", (m) => m.payload.snapshotId === second.snapshotId);
    expect(busy.payload).toMatchObject({ code: "E_BUSY", retryable: true });
    link.send("snapshot.start", first.start);

    expect(await daemons.splice(0)[0]!.stop()).toBe(0);
    const failed = await link.waitFor("snapshot.failed", (m) => m.payload.snapshotId === first.snapshotId);
    expect(failed.payload).toMatchObject({ code: "E_INTERRUPTED", retryable: true });
    expect(link.all("snapshot.failed").filter((m) => m.payload.snapshotId === first.snapshotId)).toHaveLength(1);
  });
});

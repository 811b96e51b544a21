// The S3 store against the real local S3 server: the shared contract, then what only S3 has
// (metadata stamping, the multipart copy, the part limit, error mapping).
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { useFaultyProxy, useS3Server } from "@nacre/local-stack/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { chunksOf, collect, describeStoreContract, expectCode, expectSameBytes, freshPrefix, sha256Hex, testBytes } from "../store-contract.ts";
import { createS3Store, createS3StoreWithTuning } from "./create-s3-store.ts";
import type { S3Tuning } from "./s3-tuning.ts";

const BUCKET = "backups";
const PART = 64 * 1024;
const FAST: Partial<S3Tuning> = {
  partSize: PART,
  listPageSize: 2, // so that every listing test walks several pages
  retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
};

const server = useS3Server({ buckets: [BUCKET] });
const proxy = useFaultyProxy(server);
afterEach(() => proxy().setRules([]));

function storeAt(endpoint: string, tuning: Partial<S3Tuning> = FAST, overrides: { bucket?: string; secretAccessKey?: string } = {}) {
  const s = server();
  return createS3StoreWithTuning(
    {
      endpoint,
      region: s.region,
      bucket: overrides.bucket ?? BUCKET,
      accessKeyId: s.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? s.secretAccessKey,
    },
    tuning,
  );
}

describeStoreContract("S3 store", () => ({
  store: storeAt(server().endpoint),
  partSize: PART,
  leftovers: () => server().unfinishedUploads(BUCKET),
}));

describe("S3 store", () => {
  it("describes itself by bucket and endpoint", () => {
    expect(storeAt(server().endpoint).description).toBe(`s3://${BUCKET}/ at ${server().endpoint}`);
  });

  it("sends a body of at most one part as a single PutObject with its metadata", async () => {
    const store = storeAt(proxy().endpoint);
    const data = testBytes(PART);
    const before = proxy().requests.length;
    await store.put(`${freshPrefix()}single`, chunksOf(data), { expectedSize: 10 * PART });
    expect(proxy().requests.slice(before).map((r) => r.kind)).toEqual(["PutObject", "HeadObject"]);
  });

  it("stamps sha256 and size on a multipart object with one CopyObject, then checks them with a HEAD", async () => {
    const store = storeAt(proxy().endpoint);
    const key = `${freshPrefix()}multi`;
    const data = testBytes(5 * PART + 1);
    const before = proxy().requests.length;
    await store.put(key, chunksOf(data), { expectedSize: data.length, contentType: "application/x-nacre" });
    const kinds = proxy().requests.slice(before).map((r) => r.kind);
    expect(kinds.filter((k) => k === "UploadPart")).toHaveLength(6);
    expect(kinds.slice(-3)).toEqual(["CompleteMultipartUpload", "CopyObject", "HeadObject"]);
    const info = await store.head(key);
    expect(info).toMatchObject({ size: data.length, sha256: sha256Hex(data), metadata: { size: String(data.length) } });
  });

  it("copies objects above the copy threshold in parts (UploadPartCopy) to set their metadata", async () => {
    const store = storeAt(proxy().endpoint, { ...FAST, copyPartThreshold: 2 * PART });
    const key = `${freshPrefix()}big`;
    const data = testBytes(4 * PART + 77, 9);
    const before = proxy().requests.length;
    await store.put(key, chunksOf(data), { expectedSize: data.length });
    const kinds = proxy().requests.slice(before).map((r) => r.kind);
    expect(kinds.filter((k) => k === "UploadPartCopy")).toHaveLength(5);
    expect(kinds).not.toContain("CopyObject");
    expect((await store.head(key))?.sha256).toBe(sha256Hex(data));
    expectSameBytes(await collect((await store.get(key)).body), data);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([]);
  });

  it("aborts with E_TOO_MANY_PARTS when the data outgrows the part limit, keeping nothing", async () => {
    const store = storeAt(server().endpoint, { ...FAST, maxParts: 3 });
    const prefix = freshPrefix();
    await expectCode(store.put(`${prefix}huge`, chunksOf(testBytes(3 * PART + 1)), { expectedSize: PART }), "E_TOO_MANY_PARTS");
    expect(await store.list(prefix)).toEqual([]);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([]);
    // exactly at the limit is fine
    await store.put(`${prefix}fits`, chunksOf(testBytes(3 * PART)), { expectedSize: PART });
  });

  it("maps a wrong secret to E_AUTH", async () => {
    const store = storeAt(server().endpoint, FAST, { secretAccessKey: "wrong" });
    await expectCode(store.list(""), "E_AUTH");
    await expectCode(store.head("some/key"), "E_AUTH");
    await expectCode(store.put("some/key", chunksOf(Buffer.from("x")), { expectedSize: 1 }), "E_AUTH");
    await expect(store.list("")).rejects.toThrow(/check the access key id and secret/);
  });

  it("maps an unknown bucket to E_NO_BUCKET, naming the bucket and endpoint", async () => {
    const store = storeAt(server().endpoint, FAST, { bucket: "no-such-bucket" });
    await expectCode(store.list(""), "E_NO_BUCKET");
    await expectCode(store.head("k"), "E_NO_BUCKET");
    await expectCode(store.get("k"), "E_NO_BUCKET");
    await expectCode(store.put("k", chunksOf(testBytes(3 * PART)), { expectedSize: 3 * PART }), "E_NO_BUCKET");
    await expect(store.list("")).rejects.toThrow(`bucket "no-such-bucket" does not exist at ${server().endpoint}`);
  });

  it("maps an unreachable endpoint to E_NETWORK after a bounded number of quick retries", async () => {
    const port = await closedPort();
    const store = storeAt(`http://127.0.0.1:${port}`);
    const started = Date.now();
    await expectCode(store.list(""), "E_NETWORK");
    await expect(store.head("k")).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED.* after 4 attempts/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("uses the production defaults through createS3Store", async () => {
    const s = server();
    const store = createS3Store({ endpoint: s.endpoint, region: s.region, bucket: BUCKET, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey });
    const key = `${freshPrefix()}defaults`;
    const data = testBytes(100_000);
    expect(await store.put(key, chunksOf(data), { expectedSize: data.length })).toMatchObject({ size: data.length });
    expectSameBytes(await collect((await store.get(key)).body), data);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// The S3 store behind a faulty network: retried failures, permanent ones, timeouts, dropped
// downloads. The proxy injects the faults; the bytes land on the real local S3 server.
import { useFaultyProxy, useS3Server } from "@nacre/local-stack/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { chunksOf, collect, expectCode, expectSameBytes, freshPrefix, sha256Hex, testBytes } from "../store-contract.ts";
import { createS3StoreWithTuning } from "./create-s3-store.ts";
import type { S3Tuning } from "./s3-tuning.ts";

const BUCKET = "faulty";
const PART = 64 * 1024;
const ATTEMPTS = 4;
const FAST: Partial<S3Tuning> = {
  partSize: PART,
  partConcurrency: 2,
  retry: { maxAttempts: ATTEMPTS, baseDelayMs: 5, maxDelayMs: 20 },
  maxResumes: 3,
};

const server = useS3Server({ buckets: [BUCKET] });
const proxy = useFaultyProxy(server);
afterEach(() => proxy().setRules([]));

function store(tuning: Partial<S3Tuning> = {}) {
  const s = server();
  return createS3StoreWithTuning(
    { endpoint: proxy().endpoint, region: s.region, bucket: BUCKET, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    { ...FAST, ...tuning },
  );
}

/** Requests of one kind the proxy saw since `since` (an index into its log). */
function seen(kind: string, since: number): number {
  return proxy().requests.slice(since).filter((r) => r.kind === kind).length;
}

/** Asserts that nothing of an upload is left: no listed object, no stored parts on the server. */
async function expectNothingLeft(prefix: string): Promise<void> {
  expect(await store().list(prefix)).toEqual([]);
  expect(await server().unfinishedUploads(BUCKET)).toEqual([]);
}

describe("S3 store on a faulty network: uploads", () => {
  it("retries a part answered with 500 and completes the upload", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 2, action: { kind: "status", status: 500 } }]);
    const key = `${freshPrefix()}retried`;
    const data = testBytes(4 * PART + 3);
    const since = proxy().requests.length;
    const put = await store().put(key, chunksOf(data), { expectedSize: data.length });
    expect(put.sha256).toBe(sha256Hex(data));
    expect(seen("UploadPart", since)).toBe(5 + 1);
    expectSameBytes(await collect((await store().get(key)).body), data);
  });

  it("retries throttling (503 SlowDown) on a single PutObject", async () => {
    proxy().setRules([{ on: "PutObject", times: 2, action: { kind: "status", status: 503 } }]);
    const key = `${freshPrefix()}throttled`;
    await store().put(key, chunksOf(Buffer.from("small")), { expectedSize: 5 });
    expect((await store().head(key))?.size).toBe(5);
  });

  it("retries a part whose request times out", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 1, action: { kind: "delay", ms: 2_000 } }]);
    const key = `${freshPrefix()}slow`;
    const data = testBytes(3 * PART);
    const since = proxy().requests.length;
    await store({ socketTimeoutMs: 250 }).put(key, chunksOf(data), { expectedSize: data.length });
    expect(seen("UploadPart", since)).toBe(3 + 1);
    expect((await store().head(key))?.sha256).toBe(sha256Hex(data));
  });

  it("retries a CompleteMultipartUpload whose connection was reset", async () => {
    proxy().setRules([{ on: "CompleteMultipartUpload", action: { kind: "reset" } }]);
    const key = `${freshPrefix()}reset`;
    const data = testBytes(2 * PART + 1);
    await store().put(key, chunksOf(data), { expectedSize: data.length });
    expect((await store().head(key))?.sha256).toBe(sha256Hex(data));
  });

  it("gives up on a part failing every time, aborts the upload and keeps nothing (E_UNAVAILABLE)", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 3, times: Infinity, action: { kind: "status", status: 500 } }]);
    const prefix = freshPrefix();
    const since = proxy().requests.length;
    const put = store().put(`${prefix}doomed`, chunksOf(testBytes(6 * PART)), { expectedSize: 6 * PART });
    await expectCode(put, "E_UNAVAILABLE");
    await expect(put).rejects.toThrow(/after 4 attempts — the service is having trouble; try again later/);
    expect(seen("AbortMultipartUpload", since)).toBe(1);
    expect(seen("CompleteMultipartUpload", since)).toBe(0);
    await expectNothingLeft(prefix);
  });

  it("does not retry a 4xx refusal of a part", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 1, action: { kind: "status", status: 403 } }]);
    const prefix = freshPrefix();
    const since = proxy().requests.length;
    await expectCode(store({ partConcurrency: 1 }).put(`${prefix}denied`, chunksOf(testBytes(3 * PART)), { expectedSize: 3 * PART }), "E_AUTH");
    expect(seen("UploadPart", since)).toBe(1);
    await expectNothingLeft(prefix);
  });

  it("deletes the completed object when recording its metadata fails", async () => {
    proxy().setRules([{ on: "CopyObject", times: Infinity, action: { kind: "status", status: 500 } }]);
    const prefix = freshPrefix();
    const since = proxy().requests.length;
    await expectCode(store().put(`${prefix}unstamped`, chunksOf(testBytes(2 * PART + 1)), { expectedSize: 3 * PART }), "E_UNAVAILABLE");
    expect(seen("DeleteObject", since)).toBe(1);
    await expectNothingLeft(prefix);
  });

  it("says so when cleaning up fails too, and the upload stays invisible to list()", async () => {
    proxy().setRules([
      { on: "UploadPart", nth: 2, times: Infinity, action: { kind: "status", status: 500 } },
      { on: "AbortMultipartUpload", times: Infinity, action: { kind: "status", status: 500 } },
    ]);
    const prefix = freshPrefix();
    const put = store().put(`${prefix}messy`, chunksOf(testBytes(3 * PART)), { expectedSize: 3 * PART });
    await expectCode(put, "E_UNAVAILABLE");
    await expect(put).rejects.toThrow(/removing the unfinished upload .* also failed/);
    proxy().setRules([]);
    expect(await store().list(prefix)).toEqual([]);
    expect(await server().unfinishedUploads(BUCKET)).toHaveLength(1);
    // tidy up for the tests that check for leftovers
    await fetch(`${server().endpoint}/${BUCKET}/${prefix}messy?uploadId=${(await server().unfinishedUploads(BUCKET))[0]}`, {
      method: "DELETE",
    });
  });
});

describe("S3 store on a faulty network: downloads", () => {
  it("resumes a GET dropped mid-body with a Range request, byte-identical", async () => {
    const key = `${freshPrefix()}resumed`;
    const data = testBytes(5 * PART + 11);
    await store().put(key, chunksOf(data), { expectedSize: data.length });
    proxy().setRules([
      { on: "GetObject", nth: 1, action: { kind: "drop-after", bytes: 100_000 } },
      { on: "GetObject", nth: 2, action: { kind: "drop-after", bytes: 50_000 } },
    ]);
    const since = proxy().requests.length;
    const got = await store().get(key);
    expect(got.size).toBe(data.length);
    const body = await collect(got.body);
    expectSameBytes(body, data);
    const gets = proxy().requests.slice(since).filter((r) => r.kind === "GetObject");
    expect(gets.map((r) => r.range)).toEqual([undefined, "bytes=100000-", "bytes=150000-"]);
  });

  it("gives up with E_NETWORK when the download keeps breaking off", async () => {
    const key = `${freshPrefix()}flaky`;
    await store().put(key, chunksOf(testBytes(3 * PART)), { expectedSize: 3 * PART });
    proxy().setRules([{ on: "GetObject", times: Infinity, action: { kind: "drop-after", bytes: 1_000 } }]);
    const got = await store().get(key);
    await expectCode(collect(got.body), "E_NETWORK");
  });

  it("never splices a replaced object onto the old one (E_CHANGED)", async () => {
    const key = `${freshPrefix()}replaced`;
    await store().put(key, chunksOf(testBytes(4 * PART, 1)), { expectedSize: 4 * PART });
    proxy().setRules([{ on: "GetObject", nth: 1, action: { kind: "drop-after", bytes: 60_000 } }]);
    const got = await store().get(key);
    const reading = (async () => {
      let replaced = false;
      for await (const _chunk of got.body) {
        if (!replaced) {
          replaced = true;
          await store().put(key, chunksOf(testBytes(4 * PART, 2)), { expectedSize: 4 * PART });
        }
      }
    })();
    await expectCode(reading, "E_CHANGED");
  });

  it("stops a download mid-body when its AbortSignal fires (E_ABORTED)", async () => {
    const key = `${freshPrefix()}stopped`;
    await store().put(key, chunksOf(testBytes(8 * PART)), { expectedSize: 8 * PART });
    const controller = new AbortController();
    const got = await store().get(key, { signal: controller.signal });
    const reading = (async () => {
      for await (const _chunk of got.body) controller.abort();
    })();
    await expectCode(reading, "E_ABORTED");
  });

  it("stops a download waiting to resume when its AbortSignal fires (E_ABORTED)", async () => {
    const key = `${freshPrefix()}cancelled`;
    await store().put(key, chunksOf(testBytes(4 * PART)), { expectedSize: 4 * PART });
    proxy().setRules([{ on: "GetObject", nth: 1, action: { kind: "drop-after", bytes: 10_000 } }]);
    const controller = new AbortController();
    const got = await store({ retry: { maxAttempts: 4, baseDelayMs: 5_000, maxDelayMs: 5_000 } }).get(key, { signal: controller.signal });
    const reading = collect(got.body);
    setTimeout(() => controller.abort(), 50);
    await expectCode(reading, "E_ABORTED");
  });
});

// Managed-mode uploads on a faulty network. The signer signs for the proxy's endpoint, so the URLs
// the agent gets point at the proxy, which injects the faults and forwards the rest (Host header
// included, so signatures verify) to the real local S3 server.
import { setTimeout as sleep } from "node:timers/promises";
import { useFaultyProxy, useS3Server } from "@nacre/local-stack/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chunksOf, expectCode, expectSameBytes, freshPrefix, sha256Hex, testBytes } from "../store-contract.ts";
import { createBucketSignerWithTuning } from "./create-bucket-signer.ts";
import { signerUrls } from "./presign-test-flow.ts";
import type { UrlRequests } from "./presign-test-flow.ts";
import { uploadToPresignedParts } from "./upload-to-presigned-parts.ts";
import type { PresignedUploadOptions } from "./upload-to-presigned-parts.ts";

const BUCKET = "faulty-managed";
const PART = 64 * 1024;
const RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

const server = useS3Server({ buckets: [BUCKET] });
const proxy = useFaultyProxy(server);
afterEach(() => proxy().setRules([]));

function signer() {
  const s = server();
  return createBucketSignerWithTuning(
    { endpoint: proxy().endpoint, region: s.region, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    { retry: RETRY },
  );
}

/** Requests of one kind the proxy saw since `since` (an index into its log). */
function seen(kind: string, since: number): number {
  return proxy().requests.slice(since).filter((r) => r.kind === kind).length;
}

type AgentOptions = Partial<Omit<PresignedUploadOptions, "source" | "getUrls">> & { expiresIn?: (from: number, count: number) => number };

/** Creates an upload for `data` and runs the agent against it; the caller completes or aborts. */
async function start(data: Uint8Array | AsyncIterable<Uint8Array>, opts: AgentOptions = {}) {
  const key = `${freshPrefix()}snapshot`;
  const uploadId = await signer().createMultipartUpload(BUCKET, key);
  const log: UrlRequests = { calls: [] };
  const since = proxy().requests.length;
  const upload = uploadToPresignedParts({
    source: data instanceof Uint8Array ? chunksOf(data) : data,
    partSize: PART,
    retry: RETRY,
    ...opts,
    getUrls: signerUrls(signer(), { bucket: BUCKET, key, uploadId }, log, opts.expiresIn),
  });
  return { key, uploadId, log, since, upload };
}

/** Completes the upload and checks the object holds `data`. */
async function completeAndCheck(key: string, uploadId: string, parts: { number: number; etag: string }[], data: Uint8Array) {
  await signer().completeMultipartUpload(BUCKET, key, uploadId, parts);
  expect((await signer().headObject(BUCKET, key))?.size).toBe(data.length);
  const res = await fetch(await signer().presignGetObject(BUCKET, key, 60));
  expectSameBytes(Buffer.from(await res.arrayBuffer()), data);
}

describe("agent upload on a faulty network", () => {
  it("retries a part answered 503 and completes", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 2, action: { kind: "status", status: 503 } }]);
    const data = testBytes(4 * PART + 9);
    const { key, uploadId, since, upload } = await start(data);
    const result = await upload;
    expect(result.sha256).toBe(sha256Hex(data));
    expect(seen("UploadPart", since)).toBe(5 + 1);
    await completeAndCheck(key, uploadId, result.parts, data);
  });

  it("retries a part whose connection was dropped, and one that timed out", async () => {
    proxy().setRules([
      { on: "UploadPart", nth: 1, action: { kind: "reset" } },
      { on: "UploadPart", nth: 3, action: { kind: "delay", ms: 3_000 } },
    ]);
    const data = testBytes(3 * PART);
    const { key, uploadId, since, upload } = await start(data, { concurrency: 1, partTimeoutMs: 300 });
    const result = await upload;
    expect(seen("UploadPart", since)).toBe(3 + 2);
    await completeAndCheck(key, uploadId, result.parts, data);
  });

  it("gives up on a part that keeps failing with E_UNAVAILABLE, stops reading, and the abort leaves nothing", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 2, times: Infinity, action: { kind: "status", status: 500 } }]);
    let partsRead = 0;
    async function* endless() {
      for (;;) {
        partsRead += 1;
        yield testBytes(PART, partsRead);
      }
    }
    const { key, uploadId, since, upload } = await start(endless(), { concurrency: 2 });
    await expectCode(upload, "E_UNAVAILABLE");
    await expect(upload).rejects.toThrow(/kept failing part \d .*after 4 attempts/);
    const readWhenFailed = partsRead;
    await sleep(50);
    expect(partsRead).toBe(readWhenFailed);
    expect(partsRead).toBeLessThan(20);

    await signer().abortMultipartUpload(BUCKET, key, uploadId);
    expect(await server().unfinishedUploads(BUCKET)).not.toContain(uploadId);
    expect(seen("UploadPart", since)).toBeLessThan(20);
  });

  it("asks for a fresh URL when one has expired (real expiry: 2 s, then a 3 s stall) and completes", async () => {
    const data = testBytes(3 * PART);
    async function* stalling() {
      yield data.subarray(0, PART);
      await sleep(3_100);
      yield data.subarray(PART);
    }
    // The first batch lives 2 s: X-Amz-Date has whole seconds, so a URL signed with 1 s may have
    // almost none left, and part 1 must go through with its first URL. Fresh single URLs live 60 s.
    const { key, uploadId, log, upload } = await start(stalling(), { concurrency: 1, expiresIn: (_, count) => (count === 1 ? 60 : 2) });
    const result = await upload;
    expect(log.calls).toEqual([
      [1, 16],
      [2, 1],
      [3, 1],
    ]);
    await completeAndCheck(key, uploadId, result.parts, data);
  });

  it("asks for a fresh URL once on 403 and then fails with E_AUTH if that is refused too", async () => {
    proxy().setRules([{ on: "UploadPart", times: Infinity, action: { kind: "status", status: 403 } }]);
    const { log, since, upload } = await start(testBytes(PART), { concurrency: 1 });
    await expectCode(upload, "E_AUTH");
    await expect(upload).rejects.toThrow(/refused part 1 \(403 AccessDenied: Injected by the faulty proxy\) with a freshly signed URL too/);
    expect(log.calls).toEqual([
      [1, 16],
      [1, 1],
    ]);
    expect(seen("UploadPart", since)).toBe(2);
  });

  it("fails at once on any other 4xx, without retrying (E_REQUEST), and keeps the signature out of the message", async () => {
    proxy().setRules([{ on: "UploadPart", action: { kind: "status", status: 400, s3Code: "InvalidArgument" } }]);
    const { key, log, since, upload } = await start(testBytes(3 * PART), { concurrency: 1 });
    await expectCode(upload, "E_REQUEST");
    await expect(upload).rejects.toThrow(`${proxy().endpoint}/${BUCKET}/${key} refused part 1: 400 InvalidArgument`);
    await expect(upload).rejects.not.toThrow(/X-Amz-Signature/);
    expect(seen("UploadPart", since)).toBe(1);
    expect(log.calls).toEqual([[1, 16]]);
  });

  it("cancels the PUTs in flight when its signal aborts (E_ABORTED)", async () => {
    proxy().setRules([{ on: "UploadPart", times: Infinity, action: { kind: "delay", ms: 10_000 } }]);
    let closed = false;
    async function* source() {
      try {
        for (let i = 1; ; i++) yield testBytes(PART, i);
      } finally {
        closed = true;
      }
    }
    const controller = new AbortController();
    const { upload } = await start(source(), { signal: controller.signal, concurrency: 2 });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expectCode(upload, "E_ABORTED");
    expect(Date.now() - started).toBeLessThan(2_000);
    await vi.waitFor(() => expect(closed).toBe(true));
  });
});

describe("bucket signer on a faulty network", () => {
  it("retries its own requests on 503", async () => {
    proxy().setRules([{ on: "CreateMultipartUpload", times: 2, action: { kind: "status", status: 503 } }]);
    expect(await signer().createMultipartUpload(BUCKET, `${freshPrefix()}retried`)).toMatch(/^[0-9a-f]+$/);
  });

  // s3rver itself crashes on a Complete naming a part it does not have, so the service's refusals
  // are injected by the proxy with S3's codes.
  it.each([
    [400, "InvalidPart", "E_INVALID_PART", /a reported part was never uploaded or its ETag differs/],
    [400, "EntityTooSmall", "E_PART_TOO_SMALL", /smaller than the service's minimum/],
    [404, "NoSuchUpload", "E_NO_UPLOAD", /no longer exists .*\(NoSuchUpload\)/],
  ] as const)("maps a Complete refused with %i %s to %s", async (status, s3Code, code, message) => {
    const { key, uploadId, upload } = await start(testBytes(2 * PART));
    const { parts } = await upload;
    proxy().setRules([{ on: "CompleteMultipartUpload", action: { kind: "status", status, s3Code } }]);
    const complete = signer().completeMultipartUpload(BUCKET, key, uploadId, parts);
    await expectCode(complete, code);
    await expect(complete).rejects.toThrow(message);
    await signer().abortMultipartUpload(BUCKET, key, uploadId);
  });

  it("treats a retried Complete answered NoSuchUpload as done when the object is there (first answer lost)", async () => {
    const data = testBytes(2 * PART + 1);
    const { key, uploadId, upload } = await start(data);
    const { parts } = await upload;
    // the first Complete reaches the server but its answer is cut; S3 answers the retry NoSuchUpload
    proxy().setRules([
      { on: "CompleteMultipartUpload", nth: 1, action: { kind: "drop-after", bytes: 0 } },
      { on: "CompleteMultipartUpload", nth: 2, action: { kind: "status", status: 404, s3Code: "NoSuchUpload" } },
    ]);
    const since = proxy().requests.length;
    await signer().completeMultipartUpload(BUCKET, key, uploadId, parts);
    expect(seen("CompleteMultipartUpload", since)).toBe(2);
    expect((await signer().headObject(BUCKET, key))?.size).toBe(data.length);
  });
});

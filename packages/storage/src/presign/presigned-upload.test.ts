// Managed-mode uploads end to end on the real local S3 server: the signer (control plane) creates
// and completes the upload, the agent holds nothing but the pre-signed URLs it is handed.
import { useS3Server } from "@nacre/local-stack/vitest";
import { describe, expect, it } from "vitest";
import { chunksOf, expectCode, expectSameBytes, freshPrefix, sha256Hex, testBytes } from "../store-contract.ts";
import { createBucketSignerWithTuning } from "./create-bucket-signer.ts";
import { agentUpload, signerUrls } from "./presign-test-flow.ts";
import type { UrlRequests } from "./presign-test-flow.ts";
import { uploadToPresignedParts } from "./upload-to-presigned-parts.ts";

const BUCKET = "managed";
const PART = 64 * 1024;
const RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

const server = useS3Server({ buckets: [BUCKET] });

function signer() {
  const s = server();
  return createBucketSignerWithTuning(
    { endpoint: s.endpoint, region: s.region, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    { retry: RETRY, listPageSize: 2 },
  );
}

/** The object's bytes through a pre-signed GET, as a restore or the export link fetches them. */
async function download(key: string): Promise<Buffer> {
  const res = await fetch(await signer().presignGetObject(BUCKET, key, 60));
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function keysOf(listing: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of listing) keys.push(key);
  return keys;
}

/** A fetch that records the size of every part it sends. */
function measuringFetch(sizes: number[]): typeof fetch {
  return (input, init) => {
    sizes.push((init?.body as Buffer).length);
    return fetch(input, init);
  };
}

describe("managed-mode upload through pre-signed part URLs", () => {
  it("stores the bytes: completed size, content and sha256 match what the agent sent, parts of equal size", async () => {
    const key = `${freshPrefix()}snapshot.nacre`;
    const data = testBytes(5 * PART + 123);
    const sizes: number[] = [];
    const progress: [number, number][] = [];
    const log: UrlRequests = { calls: [] };
    const { uploadId, result } = await agentUpload(signer(), BUCKET, key, {
      source: chunksOf(data),
      partSize: PART,
      fetch: measuringFetch(sizes),
      onProgress: (bytes, parts) => progress.push([bytes, parts]),
      log,
    });
    expect(result.size).toBe(data.length);
    expect(result.sha256).toBe(sha256Hex(data));
    expect(result.parts.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sizes.sort((a, b) => b - a)).toEqual([PART, PART, PART, PART, PART, 123]);
    expect(progress.at(-1)).toEqual([data.length, 6]);
    expect(log.calls).toEqual([[1, 16]]);

    await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);
    expect((await signer().headObject(BUCKET, key))?.size).toBe(data.length);
    const stored = await download(key);
    expectSameBytes(stored, data);
    expect(sha256Hex(stored)).toBe(result.sha256);
  });

  it("sends a body of exactly one part size as one part, and an empty body as one empty part", async () => {
    const prefix = freshPrefix();
    for (const data of [testBytes(PART), Buffer.alloc(0)]) {
      const key = `${prefix}${data.length}`;
      const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(data), partSize: PART });
      expect(result.parts).toHaveLength(1);
      expect(result).toMatchObject({ size: data.length, sha256: sha256Hex(data) });
      await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);
      expect((await signer().headObject(BUCKET, key))?.size).toBe(data.length);
      expectSameBytes(await download(key), data);
    }
  });

  it("asks for part URLs 16 at a time, the next batch before the current one runs out", async () => {
    const key = `${freshPrefix()}batched`;
    const log: UrlRequests = { calls: [] };
    const { result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(testBytes(40 * 1024)), partSize: 1024, log });
    expect(result.parts).toHaveLength(40);
    expect(log.calls).toEqual([
      [1, 16],
      [17, 16],
      [33, 16],
    ]);
  });

  it("abort leaves nothing behind; it is idempotent, and a part sent afterwards is refused (E_NO_UPLOAD)", async () => {
    const prefix = freshPrefix();
    const key = `${prefix}aborted`;
    const { uploadId } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(testBytes(3 * PART)), partSize: PART });
    expect(await server().unfinishedUploads(BUCKET)).toContain(uploadId);

    await signer().abortMultipartUpload(BUCKET, key, uploadId);
    await signer().abortMultipartUpload(BUCKET, key, uploadId);
    expect(await keysOf(signer().listKeys(BUCKET, prefix))).toEqual([]);
    expect(await server().unfinishedUploads(BUCKET)).not.toContain(uploadId);

    const late = uploadToPresignedParts({
      source: chunksOf(testBytes(10)),
      partSize: PART,
      getUrls: signerUrls(signer(), { bucket: BUCKET, key, uploadId }),
      retry: RETRY,
    });
    await expectCode(late, "E_NO_UPLOAD");
    await expect(late).rejects.toThrow(/no longer exists .*take the backup again/);
  });

  it("refuses to complete a report with a missing or repeated part before asking the service (E_INVALID_PART)", async () => {
    const key = `${freshPrefix()}gap`;
    const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(testBytes(3 * PART)), partSize: PART });
    const [p1, p2, p3] = result.parts as [(typeof result.parts)[0], (typeof result.parts)[0], (typeof result.parts)[0]];
    const complete = (parts: typeof result.parts) => signer().completeMultipartUpload(BUCKET, key, uploadId, parts);
    await expect(complete([p1, p3])).rejects.toThrow(/E_INVALID_PART: .*part 2 is missing/);
    await expect(complete([p1, p2, p2, p3])).rejects.toThrow(/E_INVALID_PART: .*part 2 is reported twice/);
    await expectCode(complete([]), "E_INVALID_PART");
    expect(await signer().headObject(BUCKET, key)).toBeUndefined();

    await complete([p3, p1, p2]); // any order is fine
    expect((await signer().headObject(BUCKET, key))?.size).toBe(3 * PART);
  });
});

describe("bucket signer", () => {
  it("signs part URLs over the host header only, with no checksum a plain PUT could not send", async () => {
    const [part] = await signer().presignUploadParts(BUCKET, "k/x", "0123abcd", [7], 900);
    const query = new URL(part!.url).searchParams;
    expect(part!.number).toBe(7);
    expect(query.get("X-Amz-SignedHeaders")).toBe("host");
    expect(query.get("X-Amz-Expires")).toBe("900");
    expect([...query.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
  });

  it("refuses part numbers outside 1..10,000 and expiries outside 1 s..7 days (E_BAD_ARGUMENT)", async () => {
    const presign = (parts: number[], expires: number) => signer().presignUploadParts(BUCKET, "k/x", "0123abcd", parts, expires);
    for (const bad of [0, 10_001, 1.5]) await expectCode(presign([1, bad], 60), "E_BAD_ARGUMENT");
    for (const bad of [0, 604_801, 0.5]) await expectCode(presign([1], bad), "E_BAD_ARGUMENT");
    expect(await presign([10_000], 604_800)).toHaveLength(1);
  });

  it("pre-signs a GET that downloads the object under a chosen name; a tampered signature is refused", async () => {
    const key = `${freshPrefix()}export.nacre`;
    const data = testBytes(3 * PART + 5);
    const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(data), partSize: PART });
    await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);

    const url = await signer().presignGetObject(BUCKET, key, 24 * 3600, { downloadName: "openclaw backup 2024-05-01.nacre" });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="openclaw backup 2024-05-01.nacre"');
    expectSameBytes(Buffer.from(await res.arrayBuffer()), data);

    const signature = new URL(url).searchParams.get("X-Amz-Signature")!;
    const flipped = signature.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const tampered = await fetch(url.replace(signature, flipped));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    const otherKey = await fetch(url.replace("/export.nacre?", "/other.nacre?"));
    expect(otherKey.status).toBe(403);
  });

  it("refuses a pre-signed URL after its expiry (AccessDenied: Request has expired)", async () => {
    const key = `${freshPrefix()}short-lived`;
    const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(Buffer.from("x")), partSize: PART });
    await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);
    const url = await signer().presignGetObject(BUCKET, key, 1);
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
  });

  it("heads an object, or answers undefined when there is none and E_NO_BUCKET when the bucket is missing", async () => {
    const key = `${freshPrefix()}headed`;
    const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(testBytes(PART + 1)), partSize: PART });
    const { etag } = await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);
    expect(await signer().headObject(BUCKET, key)).toEqual({ size: PART + 1, etag, metadata: {} });
    expect(await signer().headObject(BUCKET, `${key}-missing`)).toBeUndefined();
    await expectCode(signer().headObject("no-such-bucket", key), "E_NO_BUCKET");
  });

  it("lists every key under a prefix across pages and deletes them idempotently (a purge)", async () => {
    const prefix = freshPrefix();
    const keys = ["a", "b/1", "b/2", "c", "d"].map((k) => `${prefix}${k}`);
    const outside = `${freshPrefix()}kept`;
    for (const key of [...keys, outside]) {
      const { uploadId, result } = await agentUpload(signer(), BUCKET, key, { source: chunksOf(Buffer.from(key)), partSize: PART });
      await signer().completeMultipartUpload(BUCKET, key, uploadId, result.parts);
    }
    expect(await keysOf(signer().listKeys(BUCKET, prefix))).toEqual(keys); // 3 pages of 2

    for await (const key of signer().listKeys(BUCKET, prefix)) await signer().deleteObject(BUCKET, key);
    expect(await keysOf(signer().listKeys(BUCKET, prefix))).toEqual([]);
    await signer().deleteObject(BUCKET, keys[0]!);
    expect((await signer().headObject(BUCKET, outside))?.size).toBe(outside.length);
    expect(() => signer().listKeys(BUCKET, "")).toThrow(/E_BAD_ARGUMENT: listKeys needs a non-empty prefix/);
  });
});

// The faulty proxy in front of the real local S3 server, driven with unsigned requests.
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { classifyS3Request } from "./classify-s3-request.ts";
import { useFaultyProxy, useS3Server } from "./vitest.ts";

const BUCKET = "proxied";
const server = useS3Server({ buckets: [BUCKET] });
const proxy = useFaultyProxy(server);
afterEach(() => proxy().setRules([]));

const BIG = Buffer.alloc(256 * 1024, 0x5a);

/** Reads a response body through node:http so a cut connection shows up as an error with the bytes seen. */
function getThroughProxy(path: string): Promise<{ status: number; bytes: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(`${proxy().endpoint}${path}`, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", (err) => resolve({ status: res.statusCode ?? 0, bytes, error: err.message }));
    });
    req.on("error", (err) => resolve({ status: 0, bytes: 0, error: err.message }));
    req.end();
  });
}

describe("faulty proxy", () => {
  it("forwards requests unchanged when no rule fires", async () => {
    const put = await fetch(`${proxy().endpoint}/${BUCKET}/plain`, { method: "PUT", body: "hello" });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${proxy().endpoint}/${BUCKET}/plain`)).text()).toBe("hello");
    expect(proxy().requests.slice(-2).map((r) => r.kind)).toEqual(["PutObject", "GetObject"]);
  });

  it("answers only the Nth UploadPart with a 500 and an S3 error body", async () => {
    proxy().setRules([{ on: "UploadPart", nth: 2, action: { kind: "status", status: 500 } }]);
    const created = await (await fetch(`${proxy().endpoint}/${BUCKET}/mpu?uploads`, { method: "POST" })).text();
    const uploadId = /<UploadId>([0-9a-f]+)</.exec(created)?.[1];
    const statuses: number[] = [];
    for (const part of [1, 2, 3]) {
      const res = await fetch(`${proxy().endpoint}/${BUCKET}/mpu?partNumber=${part}&uploadId=${uploadId}`, {
        method: "PUT",
        body: BIG,
      });
      statuses.push(res.status);
      if (part === 2) expect(await res.text()).toContain("<Code>InternalError</Code>");
    }
    expect(statuses).toEqual([200, 500, 200]);
    expect(proxy().requests.filter((r) => r.fault).map((r) => r.kind)).toEqual(["UploadPart"]);
    await fetch(`${proxy().endpoint}/${BUCKET}/mpu?uploadId=${uploadId}`, { method: "DELETE" });
  });

  it("drops the connection after N bytes of the Nth GET", async () => {
    await fetch(`${server().endpoint}/${BUCKET}/big`, { method: "PUT", body: BIG });
    proxy().setRules([{ on: "GetObject", nth: 2, action: { kind: "drop-after", bytes: 10_000 } }]);
    const first = await getThroughProxy(`/${BUCKET}/big`);
    const second = await getThroughProxy(`/${BUCKET}/big`);
    expect(first).toEqual({ status: 200, bytes: BIG.length });
    expect(second.status).toBe(200);
    expect(second.bytes).toBe(10_000);
    expect(second.error).toBeDefined();
  });

  it("delays requests and resets connections", async () => {
    proxy().setRules([
      { on: "HeadObject", action: { kind: "delay", ms: 300 } },
      { on: "ListObjects", times: Infinity, action: { kind: "reset" } },
    ]);
    await fetch(`${server().endpoint}/${BUCKET}/delayed`, { method: "PUT", body: "x" });
    const started = Date.now();
    expect((await fetch(`${proxy().endpoint}/${BUCKET}/delayed`, { method: "HEAD" })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(fetch(`${proxy().endpoint}/${BUCKET}?list-type=2`)).rejects.toThrow();
    await expect(fetch(`${proxy().endpoint}/${BUCKET}?list-type=2`)).rejects.toThrow();
  });
});

describe("classifyS3Request", () => {
  it.each([
    ["GET", "/", {}, "ListBuckets"],
    ["HEAD", "/b", {}, "HeadBucket"],
    ["GET", "/b/?list-type=2&prefix=a", {}, "ListObjects"],
    ["GET", "/b/k/with/slashes/", {}, "GetObject"],
    ["PUT", "/b/k", {}, "PutObject"],
    ["PUT", "/b/k", { "x-amz-copy-source": "b/k" }, "CopyObject"],
    ["POST", "/b/k?uploads", {}, "CreateMultipartUpload"],
    ["PUT", "/b/k?partNumber=1&uploadId=ab", {}, "UploadPart"],
    ["PUT", "/b/k?partNumber=1&uploadId=ab", { "x-amz-copy-source": "b/k" }, "UploadPartCopy"],
    ["POST", "/b/k?uploadId=ab", {}, "CompleteMultipartUpload"],
    ["DELETE", "/b/k?uploadId=ab", {}, "AbortMultipartUpload"],
    ["DELETE", "/b/k", {}, "DeleteObject"],
  ] as const)("%s %s %o is %s", (method, url, headers, kind) => {
    expect(classifyS3Request(method, url, headers)).toBe(kind);
  });
});

// The local S3 server as a process. s3rver also answers unsigned requests, which is how these tests
// talk to it: this package does not depend on the AWS SDK. The signed paths (the trailing-slash
// signature fix, AbortMultipartUpload through the SDK) are tested in @nacre/storage.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startS3Server } from "./s3-server.ts";
import { useS3Server } from "./vitest.ts";

const BUCKET = "fixture";
const server = useS3Server({ buckets: [BUCKET] });

/** Sends an unsigned request and returns status and body text. */
async function call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server().endpoint}${path}`, { method, body });
  return { status: res.status, text: await res.text() };
}

describe("local S3 server", () => {
  it("listens on 127.0.0.1 with the requested buckets", async () => {
    expect(server().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { text } = await call("GET", "/");
    expect(text).toContain(`<Name>${BUCKET}</Name>`);
  });

  it("pages through listings (continuation tokens need the legacy OpenSSL provider)", async () => {
    for (const n of [1, 2, 3]) expect((await call("PUT", `/${BUCKET}/page/${n}`, String(n))).status).toBe(200);
    const first = await call("GET", `/${BUCKET}?list-type=2&prefix=page/&max-keys=2`);
    const token = /<NextContinuationToken>([^<]+)</.exec(first.text)?.[1];
    expect(token).toBeDefined();
    const second = await call("GET", `/${BUCKET}?list-type=2&prefix=page/&max-keys=2&continuation-token=${encodeURIComponent(token!)}`);
    expect(second.status).toBe(200);
    expect(second.text).toContain("<Key>page/3</Key>");
    expect(second.text).not.toContain("<Key>page/1</Key>");
  });

  it("deletes an aborted multipart upload's parts and refuses parts sent after it (patched)", async () => {
    const created = await call("POST", `/${BUCKET}/mpu/aborted?uploads`);
    const uploadId = /<UploadId>([0-9a-f]+)</.exec(created.text)?.[1] ?? "";
    expect((await call("PUT", `/${BUCKET}/mpu/aborted?partNumber=1&uploadId=${uploadId}`, "part")).status).toBe(200);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([uploadId]);

    expect((await call("DELETE", `/${BUCKET}/mpu/aborted?uploadId=${uploadId}`)).status).toBe(204);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([]);

    const late = await call("PUT", `/${BUCKET}/mpu/aborted?partNumber=2&uploadId=${uploadId}`, "late");
    expect(late.status).toBe(404);
    expect(late.text).toContain("NoSuchUpload");
    expect((await call("DELETE", `/${BUCKET}/mpu/aborted?uploadId=${uploadId}`)).status).toBe(404);
    expect((await call("DELETE", `/${BUCKET}/mpu/aborted?uploadId=..%2F..%2Fetc`)).status).toBe(404);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([]);
  });

  it("stops its process and removes the temporary directory it created", async () => {
    const own = await startS3Server({ buckets: ["own"], accessKeyId: "own-key", secretAccessKey: "own-secret" });
    expect(own.accessKeyId).toBe("own-key");
    expect(await readdir(own.dir)).toContain("own");
    await own.stop();
    await expect(readdir(own.dir)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(fetch(`${own.endpoint}/`)).rejects.toThrow();
  });

  it("runs as a plain `node` entry that prints one JSON line when ready", async () => {
    const main = fileURLToPath(new URL("./s3-server-main.ts", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "nacre-s3-main-"));
    const child = spawn(process.execPath, [main, "--port", "0", "--dir", dir, "--bucket", "demo"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
      const ready = JSON.parse(line) as { endpoint: string; buckets: string[]; region: string };
      expect(ready).toMatchObject({ buckets: ["demo"], region: "us-east-1" });
      const listing = await (await fetch(`${ready.endpoint}/demo?list-type=2&max-keys=1`)).text();
      expect(listing).toContain("<Name>demo</Name>");
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

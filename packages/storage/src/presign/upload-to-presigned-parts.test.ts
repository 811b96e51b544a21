// What the agent's uploader decides by itself, without a server: the part limit, the bound on
// memory and requests in flight, and what it makes of bad answers. The HTTP side is the `fetch`
// option, answering like S3 does; the uploads themselves are tested on the real local server in
// presigned-upload*.test.ts.
import { describe, expect, it } from "vitest";
import { MAX_PARTS } from "../choose-part-size.ts";
import { chunksOf, expectCode, testBytes } from "../store-contract.ts";
import { attachmentDisposition } from "./content-disposition.ts";
import type { PresignedPart } from "./bucket-signer.ts";
import { partNumbers } from "./presign-test-flow.ts";
import { uploadToPresignedParts } from "./upload-to-presigned-parts.ts";

const RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const urlsFor = async (from: number, count: number): Promise<PresignedPart[]> =>
  partNumbers(from, count).map((number) => ({ number, url: `https://bucket.invalid/k?partNumber=${number}&X-Amz-Signature=secret` }));
const partOf = (input: string | URL | Request): number => Number(new URL(String(input)).searchParams.get("partNumber"));

/** Answers every PUT like S3: 200 with the part's ETag. */
const okFetch: typeof fetch = async (input) => new Response(null, { status: 200, headers: { etag: `"etag-${partOf(input)}"` } });

describe("uploadToPresignedParts on its own", () => {
  it(`fails with E_TOO_MANY_PARTS before uploading part ${MAX_PARTS + 1}, never asking for its URL`, async () => {
    const put: number[] = [];
    let highestAsked = 0;
    const upload = uploadToPresignedParts({
      source: chunksOf(testBytes(MAX_PARTS + 1), 4096),
      partSize: 1,
      concurrency: 16,
      getUrls: (from, count) => {
        highestAsked = Math.max(highestAsked, from + count - 1);
        return urlsFor(from, count);
      },
      fetch: (input, init) => {
        put.push(partOf(input));
        return okFetch(input, init);
      },
    });
    await expectCode(upload, "E_TOO_MANY_PARTS");
    await expect(upload).rejects.toThrow(/more than 10000 parts of 1 bytes .*choose a larger part size/);
    expect(highestAsked).toBe(MAX_PARTS);
    expect(Math.max(...put)).toBe(MAX_PARTS);
    expect(put).toHaveLength(MAX_PARTS);
  });

  it("uploads exactly 10,000 parts when the data fits", async () => {
    const result = await uploadToPresignedParts({ source: chunksOf(testBytes(MAX_PARTS)), partSize: 1, concurrency: 16, getUrls: urlsFor, fetch: okFetch });
    expect(result.parts).toHaveLength(MAX_PARTS);
    expect(result.parts.at(-1)).toEqual({ number: MAX_PARTS, etag: `"etag-${MAX_PARTS}"` });
  });

  it("keeps at most `concurrency` PUTs in flight and reads at most one part ahead of them", async () => {
    const partSize = 1000;
    let read = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let maxAhead = 0;
    let done = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) {
        read += 1;
        maxAhead = Math.max(maxAhead, read - done);
        yield testBytes(partSize, i + 1);
      }
    }
    const result = await uploadToPresignedParts({
      source: source(),
      partSize,
      concurrency: 3,
      getUrls: urlsFor,
      fetch: async (input, init) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        done += 1;
        return okFetch(input, init);
      },
    });
    expect(result.parts).toHaveLength(20);
    expect(maxInFlight).toBe(3);
    expect(maxAhead).toBeLessThanOrEqual(3 + 1);
  });

  it("fails when a stored part's answer has no ETag (E_REQUEST), naming the URL without its signature", async () => {
    const upload = uploadToPresignedParts({
      source: chunksOf(testBytes(10)),
      partSize: 100,
      getUrls: urlsFor,
      fetch: async () => new Response(null, { status: 200 }),
    });
    await expectCode(upload, "E_REQUEST");
    await expect(upload).rejects.toThrow("https://bucket.invalid/k accepted part 1 but sent no ETag header");
    await expect(upload).rejects.not.toThrow(/secret/);
  });

  it("fails with E_PRESIGNED_URLS when getUrls rejects or leaves out a part it was asked for", async () => {
    const base = { source: chunksOf(testBytes(300)), partSize: 100, fetch: okFetch };
    const rejected = uploadToPresignedParts({ ...base, getUrls: () => Promise.reject(new Error("control plane unreachable")) });
    await expectCode(rejected, "E_PRESIGNED_URLS");
    await expect(rejected).rejects.toThrow(/URLs of parts 1–16 failed: control plane unreachable/);

    const short = uploadToPresignedParts({ ...base, getUrls: async (from, count) => (await urlsFor(from, count)).slice(1) });
    await expect(short).rejects.toThrow(/E_PRESIGNED_URLS: .*no usable http\(s\) URL for part 1/);
  });

  it("fails with E_SOURCE when the source fails, and uploads nothing more", async () => {
    let puts = 0;
    async function* failing() {
      yield testBytes(100);
      throw new Error("disk read error");
    }
    const upload = uploadToPresignedParts({
      source: failing(),
      partSize: 50,
      getUrls: urlsFor,
      fetch: (input, init) => {
        puts += 1;
        return okFetch(input, init);
      },
    });
    await expect(upload).rejects.toThrow("E_SOURCE: reading the data to upload failed: disk read error");
    expect(puts).toBeLessThanOrEqual(2);
  });

  it("retries a 5xx and throttling, but not a 404 NoSuchUpload (E_NO_UPLOAD)", async () => {
    const answers = [503, 429, 200];
    const retried = await uploadToPresignedParts({
      source: chunksOf(testBytes(10)),
      partSize: 100,
      getUrls: urlsFor,
      retry: RETRY,
      fetch: async (input, init) => {
        const status = answers.shift()!;
        return status === 200 ? okFetch(input, init) : new Response("<Error><Code>SlowDown</Code></Error>", { status });
      },
    });
    expect(retried.parts).toEqual([{ number: 1, etag: '"etag-1"' }]);
    expect(answers).toEqual([]);

    let puts = 0;
    const gone = uploadToPresignedParts({
      source: chunksOf(testBytes(10)),
      partSize: 100,
      getUrls: urlsFor,
      retry: RETRY,
      fetch: async () => {
        puts += 1;
        return new Response("<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>", { status: 404 });
      },
    });
    await expectCode(gone, "E_NO_UPLOAD");
    expect(puts).toBe(1);
  });

  it("refuses a part size or concurrency out of range (E_BAD_ARGUMENT)", async () => {
    const base = { source: chunksOf(testBytes(1)), getUrls: urlsFor, fetch: okFetch };
    await expectCode(uploadToPresignedParts({ ...base, partSize: 0 }), "E_BAD_ARGUMENT");
    await expectCode(uploadToPresignedParts({ ...base, partSize: 10, concurrency: 0 }), "E_BAD_ARGUMENT");
    await expectCode(uploadToPresignedParts({ ...base, partSize: 10, concurrency: 17 }), "E_BAD_ARGUMENT");
  });

  it("rejects at once with E_ABORTED when the signal has already aborted", async () => {
    const upload = uploadToPresignedParts({ source: chunksOf(testBytes(1)), partSize: 10, getUrls: urlsFor, fetch: okFetch, signal: AbortSignal.abort() });
    await expectCode(upload, "E_ABORTED");
  });
});

describe("attachmentDisposition", () => {
  it("quotes a plain ASCII name as is", () => {
    expect(attachmentDisposition("openclaw-2024-05-01.nacre")).toBe('attachment; filename="openclaw-2024-05-01.nacre"');
  });

  it("adds an RFC 5987 filename* for other names, with an ASCII fallback", () => {
    expect(attachmentDisposition('Café "prod"/x.nacre')).toBe(
      `attachment; filename="Caf_ _prod__x.nacre"; filename*=UTF-8''Caf%C3%A9%20%22prod%22%2Fx.nacre`,
    );
    expect(attachmentDisposition("it's (1).nacre")).toBe(`attachment; filename="it's (1).nacre"`);
  });
});

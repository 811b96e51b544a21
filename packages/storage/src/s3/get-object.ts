// get() on S3: a streaming GET that survives dropped connections. After a cut it asks for the rest
// with `Range: bytes=<received>-` and `If-Match: <etag>`, and also checks the ETag and range it
// gets back itself, so bytes of a replaced object are never spliced onto the old one even where
// the server ignores If-Match.
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { setTimeout as sleep } from "node:timers/promises";
import { StorageError } from "../storage-error.ts";
import type { GetOptions } from "../types.ts";
import { isRetryable, toStorageError } from "./s3-errors.ts";
import type { S3Context } from "./s3-context.ts";
import { backoffDelay } from "./with-retry.ts";

/** Starts the download (so a missing object rejects here) and returns its size and resuming body. */
export async function getObject(ctx: S3Context, key: string, opts: GetOptions = {}): Promise<{ size: number; body: AsyncIterable<Uint8Array> }> {
  const first = await ctx.call(
    `GetObject "${key}"`,
    key,
    (s) => ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: s }),
    opts.signal,
  );
  const size = first.ContentLength ?? 0;
  return { size, body: streamWithResume(ctx, key, first, size, opts) };
}

/** The body as it arrives; after a dropped connection, the rest of it from where it broke off. */
async function* streamWithResume(
  ctx: S3Context,
  key: string,
  first: GetObjectCommandOutput,
  size: number,
  opts: GetOptions,
): AsyncGenerator<Uint8Array> {
  const current = { response: first };
  // An abort must also end a body that has stalled, not only one that keeps sending chunks.
  const onAbort = (): void => (current.response.Body as { destroy?: (err: Error) => void } | undefined)?.destroy?.(new Error("aborted"));
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    yield* resumingChunks(ctx, key, current, size, opts);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

async function* resumingChunks(
  ctx: S3Context,
  key: string,
  current: { response: GetObjectCommandOutput },
  size: number,
  opts: GetOptions,
): AsyncGenerator<Uint8Array> {
  const etag = current.response.ETag;
  const cancelled = (err: unknown): StorageError =>
    new StorageError("E_ABORTED", `the download of "${key}" from ${ctx.endpoint} was cancelled`, { cause: err });
  let received = 0;
  let resumes = 0;
  for (;;) {
    let cause: unknown = undefined;
    try {
      for await (const chunk of current.response.Body as AsyncIterable<Uint8Array>) {
        opts.signal?.throwIfAborted();
        received += chunk.length;
        opts.onProgress?.(received);
        yield chunk;
      }
    } catch (err) {
      if (opts.signal?.aborted) throw cancelled(err);
      if (!isRetryable(err)) {
        throw toStorageError(err, { what: `reading "${key}"`, key, bucket: ctx.bucket, endpoint: ctx.endpoint, attempts: 1 });
      }
      cause = err;
    }
    if (received === size) return;
    if (received > size) {
      throw new StorageError("E_CHANGED", `"${key}" at ${ctx.endpoint} sent more bytes than announced (${received} > ${size}) — download it again`);
    }
    // the body ended early (with or without an error): the connection dropped
    resumes += 1;
    if (resumes > ctx.tuning.maxResumes) {
      throw new StorageError(
        "E_NETWORK",
        `the download of "${key}" from ${ctx.endpoint} broke off ${resumes} times (at byte ${received} of ${size}) — ` +
          `check the network connection and try again`,
        { cause },
      );
    }
    await sleep(backoffDelay(resumes, ctx.tuning.retry), undefined, { signal: opts.signal }).catch((err: unknown) => {
      throw cancelled(err);
    });
    current.response = await resumeFrom(ctx, key, received, size, etag, opts.signal);
  }
}

/** Requests the rest of the object from byte `from`, insisting on the same ETag and the exact range. */
async function resumeFrom(
  ctx: S3Context,
  key: string,
  from: number,
  size: number,
  etag: string | undefined,
  signal: AbortSignal | undefined,
): Promise<GetObjectCommandOutput> {
  const rest = await ctx.call(
    `GetObject "${key}" from byte ${from}`,
    key,
    (s) =>
      ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key, Range: `bytes=${from}-`, IfMatch: etag }), {
        abortSignal: s,
      }),
    signal,
  );
  const expectedRange = `bytes ${from}-${size - 1}/${size}`;
  if ((etag !== undefined && rest.ETag !== etag) || rest.ContentRange !== expectedRange) {
    (rest.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new StorageError(
      "E_CHANGED",
      `"${key}" at ${ctx.endpoint} was replaced while it was being downloaded (ETag ${etag} → ${rest.ETag}, ` +
        `range ${rest.ContentRange}) — download it again`,
    );
  }
  return rest;
}

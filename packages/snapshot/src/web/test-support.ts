// Fixtures for the browser decryptor's tests (Node-only; never imported by index.ts). Files are made by
// the real Node writer in managed mode, and every web result is compared with the Node reader's.
import { Readable } from "node:stream";
import { compressSource, type Compression } from "../compress/index.ts";
import { SnapshotFormatError } from "../format/errors.ts";
import { DATA_KEY, MANAGED_KEY, UNWRAP, decryptCapture } from "../format/test-support.ts";
import { encryptBuffer } from "../format/transform-buffer.ts";
import { openSnapshotStream } from "../pipeline/open-snapshot-stream.ts";
import type { ContentType } from "../format/types.ts";
import { isWebSnapshotError, type WebSnapshotError } from "./web-snapshot-error.ts";

export { DATA_KEY };

export interface ManagedFileOptions {
  compression: Compression;
  chunkSize?: number;
  /** Bytes per independent zstd frame / gzip member (the writer's default is 1 MiB). */
  frameSize?: number;
}

/** The compressed stream the writer would produce for `tar`. */
export async function compress(tar: Uint8Array, compression: Compression, frameSize?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  const opts = frameSize === undefined ? { concurrency: 2 } : { frameSize, concurrency: 2 };
  for await (const part of compressSource(Readable.from(tar.length > 0 ? [Buffer.from(tar)] : []), compression, opts)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Encrypt an already compressed payload as a managed-mode snapshot under DATA_KEY. */
export async function encryptManaged(payload: Uint8Array, contentType: ContentType, chunkSize?: number, fileSalt?: Uint8Array): Promise<Buffer> {
  return encryptBuffer(payload, { key: MANAGED_KEY, contentType, ...(chunkSize === undefined ? {} : { chunkSize }), ...(fileSalt === undefined ? {} : { fileSalt }) });
}

/** A managed-mode snapshot of `tar`, written by the Node pipeline's stages (compress, then encrypt). */
export async function managedSnapshot(tar: Uint8Array, opts: ManagedFileOptions): Promise<Buffer> {
  const payload = await compress(tar, opts.compression, opts.frameSize);
  return encryptManaged(payload, opts.compression === "zstd" ? "tar+zstd" : "tar+gzip", opts.chunkSize);
}

/** What the Node reader makes of `file`: the decompressed tar, or its error code. */
export async function nodeRead(file: Uint8Array): Promise<{ tar?: Buffer; code?: string }> {
  try {
    const opened = await openSnapshotStream(Readable.from([Buffer.from(file)]), { key: UNWRAP });
    const parts: Buffer[] = [];
    for await (const part of opened.tar) parts.push(part as Buffer);
    return { tar: Buffer.concat(parts) };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error) };
  }
}

/** The Node reader's error code for `file` at the encryption layer only (no decompression). */
export async function nodeDecryptCode(file: Uint8Array): Promise<string | undefined> {
  const outcome = await decryptCapture(file, UNWRAP, [777]);
  return outcome.error instanceof SnapshotFormatError ? outcome.error.code : undefined;
}

/** A pull-based source that hands out `bytes` in slices whose sizes cycle through `sizes`, counting what was pulled. */
export function sourceOf(bytes: Uint8Array, sizes: number[] = [65_536]): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let at = 0;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at >= bytes.length) {
          controller.close();
          return;
        }
        const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => Math.min(at, bytes.length) };
}

export interface WebOutcome {
  /** Every byte the stream emitted, even if it failed later. */
  output: Buffer;
  error: WebSnapshotError | undefined;
}

/** Drain a web stream, capturing what it emitted before any error; non-coded errors fail the test. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<WebOutcome> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { output: Buffer.concat(parts), error: undefined };
      parts.push(value);
    }
  } catch (error) {
    if (!isWebSnapshotError(error)) throw error;
    return { output: Buffer.concat(parts), error };
  }
}

/** Deterministic bytes that compress somewhat, like a real tar of text and binary files. */
export function tarLike(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  const words = ["memory ", "skill ", '{"role":"user"} ', "session ", "\0\0\0\0\0\0\0\0"];
  for (let at = 0; at < length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (x % 16 === 0) {
      at += out.write(words[x % words.length] as string, at, "latin1");
    } else {
      out[at++] = x & 0xff;
    }
  }
  return out;
}

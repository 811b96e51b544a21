// The chunks of a tar byte stream, one at a time, as the source produced them. A Readable is consumed in
// flowing mode rather than through its async iterator: the iterator calls read(), which joins everything
// buffered into a fresh Buffer, copying every byte the decompressor produced while the extractor was busy
// writing (and doubling what the garbage collector has to free). Up to READ_AHEAD bytes are queued here so
// the stages upstream (decryption on this thread, decompression on the pool) keep working meanwhile;
// beyond that the stream is paused, which is how backpressure reaches them.
import { finished, Readable } from "node:stream";

/** Bytes queued ahead of the reader before the source is paused. */
const READ_AHEAD = 1024 * 1024;

/** A pull interface over a byte source: next() gives the next chunk, or null at its end. */
export interface ChunkSource {
  next(): Promise<Buffer | null>;
  /** Stops reading early: destroys a Readable, returns an iterator. */
  stop(): Promise<void>;
}

/** Reads a Readable (flowing, bounded read-ahead) or any other async iterable of bytes. */
export function readChunks(source: Readable | AsyncIterable<Uint8Array>): ChunkSource {
  return source instanceof Readable ? flowingChunks(source) : iteratedChunks(source);
}

function flowingChunks(stream: Readable): ChunkSource {
  const queue: Buffer[] = [];
  let queued = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Uint8Array): void => {
    if (chunk.length === 0) return;
    queue.push(asBuffer(chunk));
    queued += chunk.length;
    if (queued >= READ_AHEAD) stream.pause();
    notify();
  };
  stream.on("data", onData);
  // finished() also reports a stream destroyed before its end (premature close) as an error, so a source
  // torn down upstream can never look like a clean end of input. Its listeners stay for the stream's life:
  // an error emitted after stop() must still find one.
  finished(stream, { writable: false }, (err) => {
    if (err) failure = err;
    done = true;
    notify();
  });
  return {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) {
          queued -= chunk.length;
          if (queued < READ_AHEAD && stream.isPaused() && !done) stream.resume();
          return chunk;
        }
        if (failure !== undefined) throw failure;
        if (done) return null;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async stop() {
      stream.off("data", onData);
      queue.length = 0;
      if (!done) stream.destroy();
    },
  };
}

function iteratedChunks(source: AsyncIterable<Uint8Array>): ChunkSource {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      const next = await iterator.next();
      return next.done ? null : asBuffer(next.value);
    },
    async stop() {
      await iterator.return?.();
    },
  };
}

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

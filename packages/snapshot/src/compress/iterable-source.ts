import type { ByteSource } from "./frame-compressor.ts";

/**
 * A ByteSource over any byte stream, for inputs that are not the archive writer (tests, other
 * callers): it copies the stream's chunks into the reader's buffers.
 */
export function iterableSource(input: AsyncIterable<Uint8Array>): ByteSource {
  const it = input[Symbol.asyncIterator]();
  let pending: Buffer | null = null;
  let done = false;
  return {
    async read(buf) {
      let filled = 0;
      while (filled < buf.length && !done) {
        if (!pending || pending.length === 0) {
          const next = await it.next();
          if (next.done) {
            done = true;
            break;
          }
          pending = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        }
        const n = pending.copy(buf, filled);
        filled += n;
        pending = pending.subarray(n);
      }
      return filled;
    },
    async close() {
      done = true;
      await it.return?.();
    },
  };
}

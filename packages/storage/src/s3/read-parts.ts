// Re-chunks the upload stream into equal parts. Each part is one buffer of the part size, so memory
// stays at (parts in flight + the one being filled) × part size whatever the source's chunking.
import type { PartBuffers } from "./part-buffers.ts";

/**
 * Yields parts of exactly `partSize` bytes, the last one shorter; an empty stream yields nothing. Each
 * chunk of the body is handed to `release` once it has been copied out whole. Parts are read into
 * `buffers` when given (the uploader gives each stored part back), else into fresh buffers.
 */
export async function* readParts(
  body: AsyncIterable<Uint8Array>,
  partSize: number,
  release?: (chunk: Uint8Array) => void,
  buffers?: PartBuffers,
): AsyncGenerator<Uint8Array> {
  let part: Buffer | undefined;
  let filled = 0;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.length) {
      // allocated lazily, so a stream ending on a part boundary does not allocate one part too many
      part ??= buffers?.take() ?? Buffer.allocUnsafe(partSize);
      const n = Math.min(partSize - filled, chunk.length - offset);
      part.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === partSize) {
        yield part;
        part = undefined;
        filled = 0;
      }
    }
    release?.(chunk);
  }
  if (part && filled > 0) yield part.subarray(0, filled);
}

// Joins runs of small chunks (headers, small files) into ~1 MiB buffers before they reach the stream.
// Every chunk costs the consumer a call (a write syscall, a compressor step, a cipher update); a tree of
// many small files would otherwise hand it tens of thousands of tiny ones. Small chunks are copied once
// here, which is cheaper than those calls; large chunks pass through untouched, so file data of any real
// size is never copied.

const SMALL = 64 * 1024;
const TARGET = 1024 * 1024;

/** Yields the source's bytes unchanged, with runs of chunks under 64 KiB merged up to ~1 MiB. */
export async function* coalesceChunks(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    if (chunk.length >= SMALL) {
      if (size > 0) yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
      yield chunk;
      continue;
    }
    parts.push(chunk);
    size += chunk.length;
    if (size >= TARGET) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

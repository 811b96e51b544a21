import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collect } from "../store-contract.ts";
import { PartBuffers } from "./part-buffers.ts";
import { readParts } from "./read-parts.ts";

async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe("readParts", () => {
  it("cuts any chunking into equal parts, only the last one shorter, without losing a byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 128 }),
        async (chunks, partSize) => {
          const parts: Uint8Array[] = [];
          for await (const part of readParts(fromChunks(chunks), partSize)) parts.push(Buffer.from(part));
          const total = chunks.reduce((n, c) => n + c.length, 0);
          expect(parts.length).toBe(Math.ceil(total / partSize));
          parts.slice(0, -1).forEach((p) => expect(p.length).toBe(partSize));
          if (parts.length > 0) expect(parts.at(-1)!.length).toBeGreaterThan(0);
          expect(Buffer.concat(parts)).toEqual(Buffer.concat(chunks));
        },
      ),
    );
  });

  it("yields nothing for an empty stream", async () => {
    expect(await collect(readParts(fromChunks([new Uint8Array(0)]), 8))).toEqual(Buffer.alloc(0));
  });
  it("reads each part into the buffer of a part given back, and never into one still out", async () => {
    const size = 8192;
    const data = Buffer.from(Array.from({ length: 10 * size }, (_, i) => i % 251));
    const buffers = new PartBuffers(size, 2);
    const seen = new Set<ArrayBufferLike>();
    const out: Buffer[] = [];
    const held: Uint8Array[] = [];
    for await (const part of readParts(fromChunks([data.subarray(0, 3333), data.subarray(3333)]), size, undefined, buffers)) {
      out.push(Buffer.from(part));
      seen.add(part.buffer);
      // Two parts "in flight": the older one is stored (given back) when a third arrives.
      held.push(part);
      if (held.length > 2) buffers.give(held.shift()!);
    }
    expect(Buffer.concat(out)).toEqual(data);
    // ten parts through three buffers: the two in flight and the one being read
    expect(seen.size).toBe(3);
    // a short part, or a slice of something bigger, is never taken back
    const short = Buffer.alloc(size / 2);
    buffers.give(short);
    buffers.give(Buffer.alloc(2 * size).subarray(0, size));
    expect(buffers.take().buffer).not.toBe(short.buffer);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collect } from "../store-contract.ts";
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
});

// zstd → tar with fzstd's streaming decoder. fzstd continues across concatenated frames and skips
// skippable frames on its own; ZstdBlockCutter feeds it one block at a time so that every push
// regenerates at most a few blocks, and each output piece is yielded (and so waits for the consumer)
// before the next block is decoded.
import { Decompress } from "fzstd";
import { compressedCorrupt } from "./compressed-corrupt.ts";
import { ZstdBlockCutter } from "./zstd-block-cutter.ts";

/** Decompressed bytes of a zstd payload; errors other than the input's own are E_COMPRESSED_CORRUPT. */
export async function* decompressZstd(payload: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const cutter = new ZstdBlockCutter();
  const out: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) out.push(data);
  });
  const push = (bytes: Uint8Array, final: boolean): void => {
    try {
      decoder.push(bytes, final);
    } catch (error) {
      throw compressedCorrupt("zstd", error instanceof Error ? error.message : String(error), error);
    }
  };
  for await (const chunk of payload) {
    for (const slice of cutter.cut(chunk)) {
      push(slice, false);
      while (out.length > 0) yield out.shift() as Uint8Array;
    }
  }
  cutter.finish();
  push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift() as Uint8Array;
}

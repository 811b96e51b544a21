// gzip → tar with the platform's DecompressionStream, one stream per gzip member (browsers refuse a
// second member in one stream). Input reaches each stream in slices of at most SLICE bytes because a
// DecompressionStream inflates a whole written chunk at once, whatever the reader's backpressure:
// 8 KiB of deflate expands to at most ~8 MiB (deflate's ratio limit is 1032:1), usually to ~50 KiB.
import { compressedCorrupt } from "./compressed-corrupt.ts";
import { GzipMemberSplitter, type MemberPiece } from "./gzip-member-splitter.ts";

const SLICE = 8 * 1024;

/** Decompressed bytes of a gzip payload of one or more members; decompression failures are E_COMPRESSED_CORRUPT. */
export async function* decompressGzip(payload: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const splitter = new GzipMemberSplitter();
  const upstream = payload[Symbol.asyncIterator]();
  let pending: MemberPiece[] = [];
  let ended = false;
  const nextPiece = async (): Promise<MemberPiece | undefined> => {
    while (pending.length === 0 && !ended) {
      const next = await upstream.next();
      if (next.done) {
        ended = true;
        splitter.finish();
      } else {
        pending = splitter.split(next.value).flatMap(sliced);
      }
    }
    return pending.shift();
  };

  try {
    for (let piece = await nextPiece(); piece !== undefined; piece = await nextPiece()) {
      // Errors raised while feeding (the payload's own, or the splitter's) win over what the
      // decompressor makes of the aborted stream.
      let failure: { error: unknown } | undefined;
      let first: MemberPiece | undefined = piece;
      const member = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              for (;;) {
                const next = first ?? (await nextPiece());
                first = undefined;
                if (next === undefined) throw compressedCorrupt("gzip", "the data ends inside a member");
                if (next.bytes.length > 0) controller.enqueue(next.bytes);
                if (next.endsMember) controller.close();
                if (next.endsMember || next.bytes.length > 0) return;
              }
            } catch (error) {
              failure = { error };
              throw error;
            }
          },
        },
        { highWaterMark: 0 },
      );
      // Typed as a Uint8Array pair: the DOM's typings (the dashboard's) declare the writable side as
      // BufferSource, Node's as Uint8Array; both accept the Uint8Arrays given here.
      const gunzip = new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
      const reader = member.pipeThrough(gunzip).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          yield value;
        }
      } catch (error) {
        if (failure !== undefined) throw failure.error;
        throw compressedCorrupt("gzip", error instanceof Error ? error.message : String(error), error);
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    }
  } finally {
    // Not awaited: a pull may still wait on the upstream, which only the caller cancelling the source ends.
    void upstream.return?.()?.catch(() => undefined);
  }
}

function sliced(piece: MemberPiece): MemberPiece[] {
  if (piece.bytes.length <= SLICE) return [piece];
  const out: MemberPiece[] = [];
  for (let at = 0; at < piece.bytes.length; at += SLICE) {
    const end = Math.min(at + SLICE, piece.bytes.length);
    out.push({ bytes: piece.bytes.subarray(at, end), endsMember: piece.endsMember && end === piece.bytes.length });
  }
  return out;
}

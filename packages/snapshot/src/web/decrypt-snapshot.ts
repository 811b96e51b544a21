// The browser read path: snapshot bytes → verified plaintext → decompressed tar, as a pull-based
// ReadableStream. Nothing runs ahead of the consumer: each pull decrypts at most one record (or
// decompresses one block), so memory is one record plus the decompressor's window, whatever the file
// size. The header is parsed, the data key checked and the header MAC verified before the first byte
// is emitted; a failure later errors the stream, and what was emitted before is an authentic prefix
// that the caller must discard (docs/format.md, "Decrypting in a browser").
import { ByteReader } from "./byte-reader.ts";
import { decompressGzip } from "./decompress-gzip.ts";
import { decompressZstd } from "./decompress-zstd.ts";
import { MAGIC, MAX_HEADER_LENGTH } from "./format-constants.ts";
import { importDataKey, openHeader, type WebCryptoKey } from "./open-header.ts";
import { readRecords } from "./read-records.ts";
import { requireManaged, scanHeader, truncatedHeader, type WebSnapshotHeader } from "./read-snapshot-header.ts";

export interface DecryptSnapshotOptions {
  /** Called after the header and after each verified record with the snapshot bytes consumed so far. */
  onProgress?(ciphertextBytesRead: number): void;
}

/** Decrypt and decompress a whole managed-mode snapshot file (from byte 0) into its plain tar bytes. */
export function decryptSnapshot(
  source: ReadableStream<Uint8Array>,
  dataKey: Uint8Array,
  options: DecryptSnapshotOptions = {},
): ReadableStream<Uint8Array> {
  const key = importDataKey(dataKey);
  key.catch(() => undefined); // surfaced in order (after the header checks) by openPayload
  const input = new ByteReader(source);
  return toReadableStream(
    (async function* () {
      const { header, records } = await openPayload(input, key, options);
      yield* header.contentType === "tar+zstd" ? decompressZstd(records) : decompressGzip(records);
    })(),
    input,
  );
}

/** Decrypt a managed-mode snapshot file into its verified compressed payload (the .tar.zst or .tar.gz bytes). */
export function decryptSnapshotPayload(
  source: ReadableStream<Uint8Array>,
  dataKey: Uint8Array,
  options: DecryptSnapshotOptions = {},
): ReadableStream<Uint8Array> {
  const key = importDataKey(dataKey);
  key.catch(() => undefined);
  const input = new ByteReader(source);
  return toReadableStream(
    (async function* () {
      yield* (await openPayload(input, key, options)).records;
    })(),
    input,
  );
}

async function openPayload(
  input: ByteReader,
  key: Promise<WebCryptoKey>,
  options: DecryptSnapshotOptions,
): Promise<{ header: WebSnapshotHeader; records: AsyncGenerator<Uint8Array, void, undefined> }> {
  const header = await readHeader(input);
  const payloadKey = await openHeader(header, await key);
  options.onProgress?.(input.offset);
  return { header, records: readRecords(input, payloadKey, header.chunkSize, options.onProgress) };
}

/** Gather the header from the stream with the same step-by-step checks as readSnapshotHeader. */
async function readHeader(input: ByteReader): Promise<WebSnapshotHeader> {
  for (let needed = MAGIC.length; ; ) {
    const enough = await input.fill(needed);
    const scan = scanHeader(input.peek(Math.min(input.length, MAX_HEADER_LENGTH)));
    if (scan.complete) {
      const header = requireManaged(scan.header);
      input.take(header.headerLength);
      return header;
    }
    if (!enough || scan.needed <= needed) throw truncatedHeader(input.length, scan.needed);
    needed = scan.needed;
  }
}

function toReadableStream(chunks: AsyncGenerator<Uint8Array, void, undefined>, input: ByteReader): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await chunks.next();
          if (next.done) {
            controller.close();
            return;
          }
          if (next.value.length > 0) {
            controller.enqueue(next.value);
            return;
          }
        }
      } catch (error) {
        // Stop reading the file: a refused snapshot is not read to its end.
        await input.cancel(error);
        throw error;
      }
    },
    async cancel(reason) {
      await input.cancel(reason);
      await chunks.return(undefined).catch(() => undefined);
    },
  });
}

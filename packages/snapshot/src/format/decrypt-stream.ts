// The reader: snapshot bytes in, verified plaintext out. The header is gathered and authenticated
// (key check, then MAC) before any record is looked at; records then stream through RecordReader.
// The stream ends successfully only after the final record verified and end of input showed that
// nothing trails it, so a consumer that sees 'end' has the whole, authentic plaintext.
import { Transform } from "node:stream";
import { ByteQueue } from "./byte-queue.ts";
import { MAX_HEADER_LENGTH } from "./constants.ts";
import { openHeader } from "./open-header.ts";
import { scanHeader, truncatedHeader } from "./parse-header.ts";
import { RecordReader } from "./record-reader.ts";
import type { DecryptOptions } from "./types.ts";

/** Decrypting transform: snapshot bytes in, verified plaintext out; errors are SnapshotFormatError. */
export function createDecryptStream(opts: DecryptOptions): Transform {
  const queue = new ByteQueue();
  let records: RecordReader | undefined;
  const emit = (plaintext: Buffer): void => {
    stream.push(plaintext);
  };

  const stream = new Transform({
    transform(input: Buffer, _encoding, callback) {
      queue.push(input);
      if (records !== undefined) {
        try {
          records.consume(queue, emit);
          callback();
        } catch (error) {
          callback(error as Error);
        }
        return;
      }
      let scan: ReturnType<typeof scanHeader>;
      try {
        scan = scanHeader(queue.peek(Math.min(queue.length, MAX_HEADER_LENGTH)));
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (!scan.complete) {
        callback();
        return;
      }
      const { header } = scan.parsed;
      const headerBytes = queue.take(header.byteLength);
      openHeader(headerBytes, scan.parsed, opts.key)
        .then((payloadKey) => {
          opts.onHeader?.(header);
          records = new RecordReader(payloadKey, header.chunkSize, header.byteLength);
          records.consume(queue, emit);
        })
        .then(() => callback(), callback);
    },
    flush(callback) {
      try {
        if (records === undefined) {
          const scan = scanHeader(queue.peek(Math.min(queue.length, MAX_HEADER_LENGTH)));
          throw truncatedHeader(queue.length, scan.complete ? scan.parsed.header.byteLength : scan.needed);
        }
        records.finish(queue.length, emit);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return stream;
}

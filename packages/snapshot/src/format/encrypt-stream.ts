// The writer: plaintext in, header + records out. Input is gathered into one reusable chunk buffer;
// a chunk is sealed only once the next byte (or end of input) shows whether it is the final one,
// because the final flag is part of the nonce and cannot be decided afterwards.
import { createSecretKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { Transform } from "node:stream";
import { meterShortLivedBuffers } from "./collect-young-garbage.ts";
import { deriveFileKeys, derivePassphraseKey } from "./derive-keys.ts";
import { encodeHeader } from "./encode-header.ts";
import { resolveHeaderFields } from "./resolve-header-fields.ts";
import { recordLength, sealRecordInto } from "./seal-record.ts";
import type { EncryptOptions } from "./types.ts";

/** The encrypting transform, and how a consumer hands its output buffers back for reuse. */
export interface EncryptStream extends Transform {
  /**
   * Gives back a buffer this stream produced once the consumer is done with it (written, hashed), so
   * the next records are sealed into it instead of a fresh buffer. Anything else is ignored, and a
   * consumer that never calls it loses nothing but the reuse.
   */
  recycle(chunk: Uint8Array): void;
}

/** What the encrypting transform tells its producer. */
export interface EncryptStreamHooks {
  /**
   * Called with each input chunk once it is sealed or copied, so the producer may fill it again (the
   * compressor reuses its output buffers this way). Not called for chunks of a write that failed.
   */
  releaseInput?: (chunk: Buffer) => void;
}

/** Encrypting transform: plaintext in, header + records out. Async because PBKDF2 runs first. */
export async function createEncryptStream(opts: EncryptOptions, hooks: EncryptStreamHooks = {}): Promise<EncryptStream> {
  const fields = resolveHeaderFields(opts);
  const ikm =
    opts.key.mode === "managed"
      ? Buffer.from(opts.key.dataKey)
      : await derivePassphraseKey(opts.key.passphrase, fields.fileSalt, fields.iterations ?? 0);
  const keys = deriveFileKeys(ikm, fields.fileSalt);
  ikm.fill(0);
  const header = encodeHeader(fields, keys);
  // A KeyObject, made once: handing createCipheriv a raw Buffer costs ~8 µs of key import per chunk.
  const payloadKey = createSecretKey(keys.payloadKey);
  keys.macKey.fill(0);
  keys.payloadKey.fill(0);
  return createSealingTransform(payloadKey, fields.chunkSize, header, hooks.releaseInput);
}

/** Records are written into batches of about this size, so downstream stages see few, large buffers. */
const BATCH_BYTES = 1024 * 1024;
/** Batches handed back and kept for reuse; more than the few in flight at once would only hold memory. */
const MAX_FREE_BATCHES = 4;

function createSealingTransform(payloadKey: KeyObject, chunkSize: number, header: Buffer, releaseInput?: (chunk: Buffer) => void): EncryptStream {
  const chunk = Buffer.allocUnsafe(chunkSize);
  let filled = 0;
  let index = 0;
  const fullRecord = recordLength(chunkSize);
  const recordsPerBatch = Math.max(1, Math.floor(BATCH_BYTES / fullRecord));
  const batchBytes = fullRecord * recordsPerBatch;
  // Batches out with the consumer (weakly held: one it never returns is simply collected) and batches
  // returned by it. A fresh 1 MiB buffer per batch was a third of the backup's garbage: V8 frees
  // external memory only after tens of MiB have piled up, which showed as peak RSS and GC time.
  const issued = new WeakSet<ArrayBufferLike>();
  const free: Buffer[] = [];
  const nextBatch = (): Buffer => free.pop() ?? Buffer.allocUnsafe(batchBytes);
  let batch = nextBatch();
  let used = 0;
  // Each seal leaves a record-sized buffer from cipher.update() behind (see collect-young-garbage.ts).
  const sealed = meterShortLivedBuffers();

  // Seals a non-final chunk into the current batch, handing the batch on when it is full. Pushing one
  // buffer per 64 KiB record meant ~16,000 stream hops per GiB for every stage after this one.
  const seal = (plaintext: Buffer) => {
    sealRecordInto(batch.subarray(used, used + fullRecord), payloadKey, index++, false, plaintext);
    sealed(fullRecord);
    used += fullRecord;
    if (used === batch.length) {
      issued.add(batch.buffer);
      stream.push(batch);
      batch = nextBatch();
      used = 0;
    }
  };

  // Object mode on the readable side: each batch reaches the consumer as the buffer it was sealed in.
  // In byte mode a reader that finds two batches queued gets them joined into a fresh copy, which
  // would defeat the reuse above (and copy a MiB for nothing).
  const stream = new Transform({
    readableObjectMode: true,
    readableHighWaterMark: 2,
    transform(input: Buffer, _encoding, callback) {
      try {
        let at = 0;
        while (at < input.length) {
          if (filled === chunkSize) {
            // More input exists, so the buffered full chunk is not the last one.
            seal(chunk);
            filled = 0;
          }
          if (filled === 0 && input.length - at > chunkSize) {
            // A whole chunk with input after it: seal straight from the caller's buffer, no copy.
            seal(input.subarray(at, at + chunkSize));
            at += chunkSize;
            continue;
          }
          const n = Math.min(chunkSize - filled, input.length - at);
          input.copy(chunk, filled, at, at + n);
          filled += n;
          at += n;
        }
        releaseInput?.(input);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        // Whatever is buffered is the final chunk: a full one for inputs that are an exact multiple
        // of the chunk size, an empty one only for empty input.
        const last = recordLength(filled);
        const out = used + last <= batch.length ? batch : Buffer.concat([batch.subarray(0, used), Buffer.allocUnsafe(last)]);
        sealRecordInto(out.subarray(used, used + last), payloadKey, index, true, chunk.subarray(0, filled));
        stream.push(out.subarray(0, used + last));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  stream.push(header);
  return Object.assign(stream, {
    recycle(returned: Uint8Array): void {
      // Only a whole batch this stream issued and has not had back yet: never a copy, a slice or the header.
      if (returned.byteOffset !== 0 || returned.byteLength !== batchBytes || !issued.has(returned.buffer)) return;
      issued.delete(returned.buffer);
      if (free.length < MAX_FREE_BATCHES) free.push(Buffer.from(returned.buffer, 0, batchBytes));
    },
  });
}

// The writer: plaintext in, header + records out. Input is gathered into one reusable chunk buffer;
// a chunk is sealed only once the next byte (or end of input) shows whether it is the final one,
// because the final flag is part of the nonce and cannot be decided afterwards.
import { createSecretKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { Transform } from "node:stream";
import { deriveFileKeys, derivePassphraseKey } from "./derive-keys.ts";
import { encodeHeader } from "./encode-header.ts";
import { resolveHeaderFields } from "./resolve-header-fields.ts";
import { sealRecord } from "./seal-record.ts";
import type { EncryptOptions } from "./types.ts";

/** Encrypting transform: plaintext in, header + records out. Async because PBKDF2 runs first. */
export async function createEncryptStream(opts: EncryptOptions): Promise<Transform> {
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
  return createSealingTransform(payloadKey, fields.chunkSize, header);
}

function createSealingTransform(payloadKey: KeyObject, chunkSize: number, header: Buffer): Transform {
  const chunk = Buffer.allocUnsafe(chunkSize);
  let filled = 0;
  let index = 0;

  const stream = new Transform({
    transform(input: Buffer, _encoding, callback) {
      try {
        let at = 0;
        while (at < input.length) {
          if (filled === chunkSize) {
            // More input exists, so the buffered full chunk is not the last one.
            stream.push(sealRecord(payloadKey, index++, false, chunk));
            filled = 0;
          }
          if (filled === 0 && input.length - at > chunkSize) {
            // A whole chunk with input after it: seal straight from the caller's buffer, no copy.
            stream.push(sealRecord(payloadKey, index++, false, input.subarray(at, at + chunkSize)));
            at += chunkSize;
            continue;
          }
          const n = Math.min(chunkSize - filled, input.length - at);
          input.copy(chunk, filled, at, at + n);
          filled += n;
          at += n;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        // Whatever is buffered is the final chunk: a full one for inputs that are an exact multiple
        // of the chunk size, an empty one only for empty input.
        stream.push(sealRecord(payloadKey, index, true, chunk.subarray(0, filled)));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  stream.push(header);
  return stream;
}

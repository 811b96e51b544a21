// In-memory wrappers for tests, test vectors and small payloads. They drive the same streams as
// production, so nothing here can drift from the streaming code paths.
import { Readable, Writable } from "node:stream";
import type { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDecryptStream } from "./decrypt-stream.ts";
import { createEncryptStream } from "./encrypt-stream.ts";
import type { DecryptOptions, EncryptOptions } from "./types.ts";

/** Encrypt a whole buffer into snapshot bytes. */
export async function encryptBuffer(plaintext: Uint8Array, opts: EncryptOptions): Promise<Buffer> {
  return runTransform(await createEncryptStream(opts), plaintext);
}

/** Decrypt whole snapshot bytes; rejects with SnapshotFormatError and returns nothing on any failure. */
export async function decryptBuffer(snapshot: Uint8Array, opts: DecryptOptions): Promise<Buffer> {
  return runTransform(createDecryptStream(opts), snapshot);
}

async function runTransform(transform: Transform, input: Uint8Array): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  const source = Readable.from(input.length > 0 ? [Buffer.from(input.buffer, input.byteOffset, input.byteLength)] : []);
  await pipeline(source, transform, sink);
  return Buffer.concat(out);
}

// Throughput of the format alone: `node packages/snapshot/src/format/throughput.bench.ts [MiB]`.
// Prints MB/s (10^6 bytes) for encrypt and decrypt of random data fed in 64 KiB slices, the size
// fs streams and most compressors hand over, through real stream pipelines. Not a test: figures
// depend on the machine, so it reports rather than asserts.
import { createHash, randomFillSync } from "node:crypto";
import type { Transform } from "node:stream";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDecryptStream, createEncryptStream, generateDataKey, unwrapDataKey, wrapDataKey } from "./index.ts";

const MIB = 1024 * 1024;
const SLICE = 64 * 1024;
const sizeMiB = Number(process.argv[2] ?? 512);
const rounds = 3;

function* slices(data: Buffer): Generator<Buffer> {
  for (let at = 0; at < data.length; at += SLICE) yield data.subarray(at, at + SLICE);
}

async function run(transform: Transform, input: Buffer, keep: boolean): Promise<{ seconds: number; output: Buffer[] }> {
  const output: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 4 * MIB,
    write(chunk: Buffer, _encoding, callback) {
      if (keep) output.push(chunk);
      callback();
    },
  });
  const started = process.hrtime.bigint();
  await pipeline(Readable.from(slices(input)), transform, sink);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, output };
}

const plaintext = randomFillSync(Buffer.allocUnsafe(sizeMiB * MIB));
const kek = generateDataKey();
const dataKey = generateDataKey();
const key = { mode: "managed" as const, keyId: "bench", dataKey, wrappedKey: wrapDataKey(kek, dataKey) };
const unwrap = async (_keyId: string, wrapped: Uint8Array): Promise<Uint8Array> => unwrapDataKey(kek, wrapped);
const mbps = (seconds: number): string => (plaintext.length / 1e6 / seconds).toFixed(0);

console.log(`node ${process.version}, ${sizeMiB} MiB random data, 64 KiB input slices, chunk size 65536, best of ${rounds}`);
let snapshot = Buffer.alloc(0);
let best = Infinity;
for (let round = 0; round < rounds; round++) {
  const keep = round === 0;
  const result = await run(await createEncryptStream({ key, contentType: "tar+zstd" }), plaintext, keep);
  if (keep) snapshot = Buffer.concat(result.output);
  best = Math.min(best, result.seconds);
}
console.log(`encrypt: ${mbps(best)} MB/s (${snapshot.length - plaintext.length} bytes of overhead)`);

best = Infinity;
for (let round = 0; round < rounds; round++) {
  const keep = round === 0;
  const result = await run(createDecryptStream({ key: { unwrap } }), snapshot, keep);
  if (keep) {
    const digest = (parts: Buffer[]): string => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest("hex");
    if (digest(result.output) !== digest([plaintext])) throw new Error("decrypted bytes differ from the input");
  }
  best = Math.min(best, result.seconds);
}
console.log(`decrypt: ${mbps(best)} MB/s (verified identical)`);

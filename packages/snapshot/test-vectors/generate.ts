// Regenerates the committed test vectors: `node packages/snapshot/test-vectors/generate.ts`.
// Everything is derived from fixed labels, so a run reproduces the committed files byte for byte
// unless the format changed — which is exactly what the vector test exists to catch. The test reads
// the committed JSON and never calls this script.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { deriveFileKeys, derivePassphraseKey } from "../src/format/derive-keys.ts";
import { encryptBuffer, parseHeader, wrapDataKey } from "../src/format/index.ts";
import type { ContentType, EncryptionKey } from "../src/format/index.ts";

const here = new URL(".", import.meta.url);
const fixed = (label: string, length: number): Buffer => createHash("shake256", { outputLength: length }).update(`nacre test vector: ${label}`).digest();
const byRule = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i % 251));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

type PlaintextSpec = { hex: string } | { rule: "byte i = i mod 251"; length: number };
type KeySpec =
  | { mode: "passphrase"; passphrase: string; passphraseNfc?: string; iterations: number }
  | { mode: "keyfile"; keyFileContents: string; passphrase: string; iterations: number }
  | { mode: "managed"; kek: string; dataKey: string; keyId: string; wrappedKey: string };

interface VectorSpec {
  name: string;
  description: string;
  contentType: ContentType;
  chunkSize: number;
  key: KeySpec;
  plaintext: PlaintextSpec;
}

const KEK = fixed("kek", 32);
const DATA_KEY = fixed("data key", 32);
const managed = (): KeySpec => ({ mode: "managed", kek: hex(KEK), dataKey: hex(DATA_KEY), keyId: "cust_0001/k1", wrappedKey: hex(wrapDataKey(KEK, DATA_KEY)) });
const text = (s: string): PlaintextSpec => ({ hex: Buffer.from(s, "utf8").toString("hex") });

const specs: VectorSpec[] = [
  {
    name: "passphrase-100k",
    description: "Passphrase mode, minimum iteration count, one final record.",
    contentType: "tar+zstd",
    chunkSize: 65536,
    key: { mode: "passphrase", passphrase: "correct horse battery staple", iterations: 100000 },
    plaintext: text("Nacre snapshot test vector: passphrase mode.\n"),
  },
  {
    name: "passphrase-unicode",
    description: "The passphrase is given decomposed (NFD); readers and writers normalise it to NFC before PBKDF2, so passphraseNfc gives the same file.",
    contentType: "tar+zstd",
    chunkSize: 65536,
    key: { mode: "passphrase", passphrase: "Gru\u0308\u00dfe, cafe\u0301 \u2615", passphraseNfc: "Gr\u00fc\u00dfe, caf\u00e9 \u2615", iterations: 100000 },
    plaintext: text("Unicode passphrases are NFC-normalised.\n"),
  },
  {
    name: "keyfile",
    description: "Key-file mode with the default 600000 iterations. The key file's one trailing newline is stripped; the rest is the passphrase.",
    contentType: "tar+gzip",
    chunkSize: 65536,
    key: { mode: "keyfile", keyFileContents: "q9T0mX4bV2yZr8Lk1sWfHn3uPcJd6eGa7iOtRv5NwE0=\n", passphrase: "q9T0mX4bV2yZr8Lk1sWfHn3uPcJd6eGa7iOtRv5NwE0=", iterations: 600000 },
    plaintext: text("Nacre snapshot test vector: key file mode.\n"),
  },
  {
    name: "managed",
    description: "Managed mode: the 32-byte data key is the ikm; the header carries the key id and the AES-256-KW wrapping of the data key under the KEK.",
    contentType: "tar+zstd",
    chunkSize: 65536,
    key: managed(),
    plaintext: text("Nacre snapshot test vector: managed mode.\n"),
  },
  {
    name: "empty",
    description: "Empty input: exactly one final record holding 0 plaintext bytes (body = the 16-byte tag).",
    contentType: "tar+zstd",
    chunkSize: 65536,
    key: { mode: "passphrase", passphrase: "empty input", iterations: 100000 },
    plaintext: { hex: "" },
  },
  {
    name: "multi-chunk-1024",
    description: "Chunk size 1024 and 2500 bytes of input: two full records, then a final record of 452 bytes.",
    contentType: "tar+zstd",
    chunkSize: 1024,
    key: managed(),
    plaintext: { rule: "byte i = i mod 251", length: 2500 },
  },
  {
    name: "exact-multiple-1024",
    description: "Chunk size 1024 and 2048 bytes of input: the final record is a full chunk; there is no empty record after it.",
    contentType: "tar+zstd",
    chunkSize: 1024,
    key: managed(),
    plaintext: { rule: "byte i = i mod 251", length: 2048 },
  },
];

function plaintextOf(spec: PlaintextSpec): Buffer {
  return "hex" in spec ? Buffer.from(spec.hex, "hex") : byRule(spec.length);
}

function encryptionKeyOf(key: KeySpec): EncryptionKey {
  if (key.mode === "managed") {
    return { mode: "managed", keyId: key.keyId, dataKey: Buffer.from(key.dataKey, "hex"), wrappedKey: Buffer.from(key.wrappedKey, "hex") };
  }
  return { mode: key.mode, passphrase: key.passphrase, iterations: key.iterations };
}

const files = new Map<string, Buffer>();
for (const spec of specs) {
  const fileSalt = fixed(`${spec.name} salt`, 32);
  const plaintext = plaintextOf(spec.plaintext);
  const file = await encryptBuffer(plaintext, { key: encryptionKeyOf(spec.key), contentType: spec.contentType, chunkSize: spec.chunkSize, fileSalt });
  const ikm = spec.key.mode === "managed" ? DATA_KEY : await derivePassphraseKey(spec.key.passphrase, fileSalt, spec.key.iterations);
  const keys = deriveFileKeys(ikm, fileSalt);
  const vector = {
    ...spec,
    fileSalt: hex(fileSalt),
    derived: { ikm: hex(ikm), payloadKey: hex(keys.payloadKey), macKey: hex(keys.macKey), keyCheck: hex(keys.keyCheck) },
    headerLength: parseHeader(file).byteLength,
    file: hex(file),
  };
  files.set(spec.name, file);
  write(`${spec.name}.json`, vector);
}

// Negative vectors: edits of the committed multi-chunk file, each with the code a reader must report.
const base = files.get("multi-chunk-1024") as Buffer;
const other = files.get("exact-multiple-1024") as Buffer;
const headerLength = parseHeader(base).byteLength;
const record = (file: Buffer, n: number): [number, number] => {
  let at = parseHeader(file).byteLength;
  for (let i = 0; ; i++) {
    const end = at + 16 + (file.readUInt32BE(at + 8) & 0x7fffffff) + 4;
    if (i === n) return [at, end];
    at = end;
  }
};
const crcAt = headerLength - 52;
const withCrc = (edit: (h: Buffer) => void): string => {
  const h = Buffer.from(base.subarray(0, crcAt + 4));
  edit(h);
  h.writeUInt32BE(crc32(h.subarray(0, crcAt)), crcAt);
  return hex(h);
};
const [r0s, r0e] = record(base, 0);
const [r1s, r1e] = record(base, 1);
const [o1s, o1e] = record(other, 0);
const negative = {
  description:
    "Each case applies edits, in order, to the file bytes of multi-chunk-1024.json and must be refused with `code`. " +
    "Edits: flip {offset, bit}; truncate {length}; append {hex}; swap {a: [start, end), b: [start, end)} with a before b; " +
    "replace {offset, hex} overwrites bytes in place. A `kek` replaces the vector's KEK when unwrapping.",
  base: "multi-chunk-1024.json",
  cases: [
    { name: "empty file", edits: [{ op: "truncate", length: 0 }], code: "E_TRUNCATED" },
    { name: "magic damaged", edits: [{ op: "flip", offset: 3, bit: 0 }], code: "E_NOT_A_SNAPSHOT" },
    { name: "file salt damaged", edits: [{ op: "flip", offset: 20, bit: 5 }], code: "E_HEADER_CORRUPT" },
    { name: "cut inside the header", edits: [{ op: "truncate", length: headerLength - 1 }], code: "E_TRUNCATED" },
    { name: "cut after a non-final record", edits: [{ op: "truncate", length: r1e }], code: "E_TRUNCATED" },
    { name: "cut inside the final record", edits: [{ op: "truncate", length: base.length - 1 }], code: "E_TRUNCATED" },
    { name: "one byte appended", edits: [{ op: "append", hex: "00" }], code: "E_TRAILING_DATA" },
    { name: "ciphertext damaged", edits: [{ op: "flip", offset: r1s + 100, bit: 2 }], code: "E_CHUNK_CORRUPT" },
    { name: "record length damaged", edits: [{ op: "flip", offset: r0s + 10, bit: 1 }], code: "E_CHUNK_CORRUPT" },
    { name: "records 0 and 1 swapped", edits: [{ op: "swap", a: [r0s, r0e], b: [r1s, r1e] }], code: "E_CHUNK_ORDER" },
    { name: "record 0 of another file (same data key, other salt)", edits: [{ op: "replace", offset: r0s + 16, hex: hex(other.subarray(o1s + 16, o1e)) }], code: "E_FOREIGN_CHUNK" },
    { name: "content type changed, CRC fixed up", edits: [{ op: "replace", offset: 0, hex: withCrc((h) => (h[11] = 2)) }], code: "E_HEADER_TAMPERED" },
    { name: "chunk size 0, CRC fixed up", edits: [{ op: "replace", offset: 0, hex: withCrc((h) => h.writeUInt32BE(0, 12)) }], code: "E_HEADER_FIELD" },
    { name: "slot length 65535", edits: [{ op: "replace", offset: 48, hex: "ffff" }], code: "E_HEADER_FIELD" },
    { name: "version 2, CRC fixed up", edits: [{ op: "replace", offset: 0, hex: withCrc((h) => (h[8] = 2)) }], code: "E_UNSUPPORTED_VERSION" },
    { name: "wrong KEK", edits: [], kek: hex(fixed("another kek", 32)), code: "E_WRONG_KEY" },
  ],
};
write("negative.json", negative);

function write(name: string, value: unknown): void {
  // Non-ASCII escaped so NFD and NFC forms stay visibly different in the committed file.
  const json = JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const path = new URL(name, here);
  let previous = "";
  try {
    previous = readFileSync(path, "utf8");
  } catch {
    // first run
  }
  writeFileSync(path, `${json}\n`);
  console.log(`${previous === `${json}\n` ? "unchanged" : "written  "} ${name} (${json.length} bytes)`);
}

// Shared fixtures for the format tests: fixed keys, a decrypt runner that records what a consumer
// would have received before an error, and helpers that edit files the way damage or an attacker would.
import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { OFFSET_SLOT, OFFSET_SLOT_LENGTH, RECORD_HEAD_LENGTH } from "./constants.ts";
import { createDecryptStream } from "./decrypt-stream.ts";
import { SnapshotFormatError } from "./errors.ts";
import { unwrapDataKey, wrapDataKey } from "@nacre/core";
import { parseHeader } from "./parse-header.ts";
import type { DecryptionKey, EncryptionKey, SnapshotHeader } from "./types.ts";

export const KEK = bytesFrom("test kek", 32);
export const DATA_KEY = bytesFrom("test data key", 32);
export const KEY_ID = "cust-test/v1";
export const MANAGED_KEY: EncryptionKey = { mode: "managed", keyId: KEY_ID, dataKey: DATA_KEY, wrappedKey: wrapDataKey(KEK, DATA_KEY) };
export const UNWRAP: DecryptionKey = { unwrap: async (_keyId, wrapped) => unwrapDataKey(KEK, wrapped) };
export const PASSPHRASE = "correct horse battery staple";
export const PASSPHRASE_KEY: EncryptionKey = { mode: "passphrase", passphrase: PASSPHRASE, iterations: 100_000 };

/** Deterministic pseudo-random bytes (SHAKE-256 of a label), so failures reproduce. */
export function bytesFrom(label: string, length: number): Buffer {
  return createHash("shake256", { outputLength: length }).update(label).digest();
}

export interface DecryptOutcome {
  /** Everything the stream emitted, even if it failed later. */
  plaintext: Buffer;
  error: SnapshotFormatError | undefined;
  header: SnapshotHeader | undefined;
}

/** Decrypt `file` fed in slices of the given sizes (cycled), capturing emitted bytes and the error. */
export async function decryptCapture(file: Uint8Array, key: DecryptionKey, sliceSizes: number[] = []): Promise<DecryptOutcome> {
  const emitted: Buffer[] = [];
  let header: SnapshotHeader | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      emitted.push(chunk);
      callback();
    },
  });
  try {
    const stream = createDecryptStream({ key, onHeader: (h) => (header = h) });
    await pipeline(Readable.from(slice(file, sliceSizes)), stream, sink);
    return { plaintext: Buffer.concat(emitted), error: undefined, header };
  } catch (error) {
    if (!(error instanceof SnapshotFormatError)) throw error;
    return { plaintext: Buffer.concat(emitted), error, header };
  }
}

/** Cut `bytes` into consecutive slices whose sizes cycle through `sizes` (one slice if empty). */
export function slice(bytes: Uint8Array, sizes: number[]): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (sizes.length === 0) return buf.length > 0 ? [buf] : [];
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < buf.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(buf.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** A copy of `file` with one bit flipped. */
export function flipBit(file: Uint8Array, offset: number, bit: number): Buffer {
  const copy = Buffer.from(file);
  copy[offset] = (copy[offset] ?? 0) ^ (1 << bit);
  return copy;
}

/** A copy of `file` after `edit`, with the header CRC recomputed as an attacker would. */
export function editHeader(file: Uint8Array, edit: (copy: Buffer) => void): Buffer {
  const copy = Buffer.from(file);
  edit(copy);
  const crcAt = OFFSET_SLOT + copy.readUInt16BE(OFFSET_SLOT_LENGTH);
  copy.writeUInt32BE(crc32(copy.subarray(0, crcAt)), crcAt);
  return copy;
}

export interface RecordSpan {
  start: number;
  end: number;
  index: number;
  final: boolean;
}

/** Where each record of a well-formed file starts and ends. */
export function recordSpans(file: Buffer): RecordSpan[] {
  const spans: RecordSpan[] = [];
  for (let at = parseHeader(file).byteLength; at < file.length; ) {
    const lengthField = file.readUInt32BE(at + 8);
    const end = at + RECORD_HEAD_LENGTH + (lengthField & 0x7fff_ffff) + 4;
    spans.push({ start: at, end, index: Number(file.readBigUInt64BE(at)), final: lengthField >>> 31 === 1 });
    at = end;
  }
  return spans;
}

/** Recompute both CRCs of the record at `start` after an edit, as an attacker would. */
export function fixRecordCrcs(file: Buffer, start: number): void {
  file.writeUInt32BE(crc32(file.subarray(start, start + 12)), start + 12);
  const bodyEnd = start + RECORD_HEAD_LENGTH + (file.readUInt32BE(start + 8) & 0x7fff_ffff);
  file.writeUInt32BE(crc32(file.subarray(start + RECORD_HEAD_LENGTH, bodyEnd)), bodyEnd);
}

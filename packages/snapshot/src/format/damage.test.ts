// Accidental damage: every single-bit flip, every truncation and every kind of appended data must be
// refused with the code that tells the user what happened, and never with a wrong plaintext.
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_SLOT_LENGTH, OFFSET_SLOT_LENGTH } from "./constants.ts";
import { parseHeader } from "./parse-header.ts";
import { encryptBuffer } from "./transform-buffer.ts";
import type { DecryptionKey } from "./types.ts";
import {
  MANAGED_KEY,
  PASSPHRASE,
  PASSPHRASE_KEY,
  UNWRAP,
  bytesFrom,
  decryptCapture,
  flipBit,
  recordSpans,
} from "./test-support.ts";
import type { DecryptOutcome } from "./test-support.ts";

// 2 full chunks of 1024 + a final of 452: a small file with every kind of record.
const PLAINTEXT = bytesFrom("damage plaintext", 2500);
const CHUNK = 1024;

let managedFile: Buffer;
let passphraseFile: Buffer;

beforeAll(async () => {
  managedFile = await encryptBuffer(PLAINTEXT, { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: CHUNK });
  passphraseFile = await encryptBuffer(PLAINTEXT, { key: PASSPHRASE_KEY, contentType: "tar+zstd", chunkSize: CHUNK });
});

/** The code a reader must report for a flip of `bit` at `offset`, with the exceptions spelled out. */
function expectedFlipCode(file: Buffer, offset: number, bit: number): string {
  const headerLength = parseHeader(file).byteLength;
  if (offset >= headerLength) return "E_CHUNK_CORRUPT";
  // Exception 1: the magic identifies the file type, so damage there reads as "not a snapshot".
  if (offset < 8) return "E_NOT_A_SNAPSHOT";
  // Exception 2: a flipped slot length above the 1024 limit is refused before the CRC can be read.
  if (offset === OFFSET_SLOT_LENGTH || offset === OFFSET_SLOT_LENGTH + 1) {
    const flipped = file.readUInt16BE(OFFSET_SLOT_LENGTH) ^ (1 << (bit + (offset === OFFSET_SLOT_LENGTH ? 8 : 0)));
    if (flipped > MAX_SLOT_LENGTH) return "E_HEADER_FIELD";
  }
  // Everything else in the header, including the CRC itself, the key check and the MAC.
  return "E_HEADER_CORRUPT";
}

/** Plaintext released before an error must be a verified prefix that stops before the damaged chunk. */
function releasedPrefixProblem(outcome: DecryptOutcome, file: Buffer, offset: number): string | undefined {
  if (!outcome.plaintext.equals(PLAINTEXT.subarray(0, outcome.plaintext.length))) return "released bytes that are not the plaintext";
  const damaged = recordSpans(file).findIndex((span) => offset < span.end);
  const limit = damaged < 0 ? 0 : damaged * CHUNK;
  return outcome.plaintext.length > limit ? `released ${outcome.plaintext.length} bytes, damage is in chunk ${damaged}` : undefined;
}

async function sweepFlips(file: Buffer, key: DecryptionKey, offsets: number[], bits: (offset: number) => number[]): Promise<string[]> {
  const problems: string[] = [];
  for (const offset of offsets) {
    for (const bit of bits(offset)) {
      const outcome = await decryptCapture(flipBit(file, offset, bit), key);
      const expected = expectedFlipCode(file, offset, bit);
      if (outcome.error?.code !== expected) problems.push(`offset ${offset} bit ${bit}: ${outcome.error?.code ?? "accepted"}, expected ${expected}`);
      const leak = releasedPrefixProblem(outcome, file, offset);
      if (leak) problems.push(`offset ${offset} bit ${bit}: ${leak}`);
    }
  }
  return problems;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe("bit flips", () => {
  it("a flip at every byte offset of a managed multi-chunk file is refused with its diagnosis", async () => {
    expect(recordSpans(managedFile)).toHaveLength(3);
    const headerLength = parseHeader(managedFile).byteLength;
    // Every bit of the header (where the diagnosis varies by field), one rotating bit per payload byte.
    const problems = await sweepFlips(managedFile, UNWRAP, range(0, managedFile.length), (offset) =>
      offset < headerLength ? range(0, 8) : [offset % 8],
    );
    expect(problems).toEqual([]);
  });

  it("a flip anywhere in a passphrase file's header, and across its payload, is refused", async () => {
    // PBKDF2 runs once per attempt, so the payload is sampled; the managed sweep covers every offset.
    const headerLength = parseHeader(passphraseFile).byteLength;
    const offsets = [...range(0, headerLength), ...range(headerLength, passphraseFile.length).filter((o) => o % 29 === 0)];
    const problems = await sweepFlips(passphraseFile, { passphrase: PASSPHRASE }, offsets, (offset) => [offset % 8]);
    expect(problems).toEqual([]);
  });

  it("damage in the header releases no plaintext at all", async () => {
    const outcome = await decryptCapture(flipBit(managedFile, 20, 3), UNWRAP);
    expect(outcome.error?.code).toBe("E_HEADER_CORRUPT");
    expect(outcome.plaintext).toHaveLength(0);
  });
});

describe("truncation", () => {
  it("every proper prefix of a managed file, including 0 bytes, is E_TRUNCATED", async () => {
    const problems: string[] = [];
    for (let length = 0; length < managedFile.length; length++) {
      const outcome = await decryptCapture(managedFile.subarray(0, length), UNWRAP);
      if (outcome.error?.code !== "E_TRUNCATED") problems.push(`length ${length}: ${outcome.error?.code ?? "accepted"}`);
      // The final chunk is never released from a cut file, so the output is always visibly short.
      if (outcome.plaintext.length > 2 * CHUNK) problems.push(`length ${length}: released the final chunk`);
    }
    expect(problems).toEqual([]);
  });

  it("prefixes of a passphrase file are E_TRUNCATED (whole header, then every record boundary and a sample)", async () => {
    const headerLength = parseHeader(passphraseFile).byteLength;
    const boundaries = recordSpans(passphraseFile).flatMap((span) => [span.start, span.start + 1, span.start + 16, span.end - 1]);
    const lengths = [...range(0, headerLength + 1), ...boundaries, ...range(headerLength, passphraseFile.length).filter((l) => l % 97 === 0)];
    const problems: string[] = [];
    for (const length of new Set(lengths)) {
      const outcome = await decryptCapture(passphraseFile.subarray(0, length), { passphrase: PASSPHRASE });
      if (outcome.error?.code !== "E_TRUNCATED") problems.push(`length ${length}: ${outcome.error?.code ?? "accepted"}`);
    }
    expect(problems).toEqual([]);
  });

  it("a file cut exactly after a non-final record says so", async () => {
    const cut = recordSpans(managedFile)[1]!.end;
    const outcome = await decryptCapture(managedFile.subarray(0, cut), UNWRAP);
    expect(outcome.error?.code).toBe("E_TRUNCATED");
    expect(outcome.error?.message).toMatch(/after chunk #1, which is not the final chunk/);
    expect(outcome.plaintext.equals(PLAINTEXT.subarray(0, 2 * CHUNK))).toBe(true);
  });
});

describe("trailing data", () => {
  const cases: Array<[string, (file: Buffer) => Buffer]> = [
    ["one zero byte", (file) => Buffer.concat([file, Buffer.of(0)])],
    ["a copy of the final record", (file) => Buffer.concat([file, file.subarray(recordSpans(file).at(-1)!.start)])],
    ["a whole second copy of the file", (file) => Buffer.concat([file, file])],
  ];

  it.each(cases)("%s after the final record is E_TRAILING_DATA and the final chunk is withheld", async (_name, append) => {
    for (const sizes of [[], [1], [7, 1000]]) {
      const outcome = await decryptCapture(append(managedFile), UNWRAP, sizes);
      expect(outcome.error?.code).toBe("E_TRAILING_DATA");
      expect(outcome.plaintext.equals(PLAINTEXT.subarray(0, 2 * CHUNK))).toBe(true);
    }
  });
});

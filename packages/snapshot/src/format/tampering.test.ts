// Deliberate edits: an attacker (or a buggy uploader) moves, swaps, splices or forges records and
// fixes up every CRC. Authenticity comes from GCM and the header MAC, so each must still be refused.
import { crc32 } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { OFFSET_CHUNK_SIZE, OFFSET_CONTENT_TYPE, OFFSET_SLOT } from "./constants.ts";
import { parseHeader } from "./parse-header.ts";
import { encryptBuffer } from "./transform-buffer.ts";
import {
  MANAGED_KEY,
  PASSPHRASE,
  PASSPHRASE_KEY,
  UNWRAP,
  bytesFrom,
  decryptCapture,
  editHeader,
  fixRecordCrcs,
  recordSpans,
} from "./test-support.ts";

const CHUNK = 1024;
const PLAINTEXT = bytesFrom("tampering plaintext", 4 * CHUNK + 300);
const OTHER_PLAINTEXT = bytesFrom("another file", 4 * CHUNK + 300);
const passphrase = { passphrase: PASSPHRASE };

let fileA: Buffer;
let fileB: Buffer;

beforeAll(async () => {
  const options = { key: PASSPHRASE_KEY, contentType: "tar+zstd" as const, chunkSize: CHUNK };
  fileA = await encryptBuffer(PLAINTEXT, options);
  fileB = await encryptBuffer(OTHER_PLAINTEXT, options);
});

/** Rebuild a file from its header and a list of record byte ranges. */
function assemble(header: Buffer, records: Buffer[]): Buffer {
  return Buffer.concat([header, ...records]);
}

function parts(file: Buffer): { header: Buffer; records: Buffer[] } {
  return { header: file.subarray(0, parseHeader(file).byteLength), records: recordSpans(file).map((s) => file.subarray(s.start, s.end)) };
}

describe("records out of place", () => {
  it("swapping chunks 0 and 1 is E_CHUNK_ORDER and releases nothing", async () => {
    const { header, records } = parts(fileA);
    const outcome = await decryptCapture(assemble(header, [records[1]!, records[0]!, ...records.slice(2)]), passphrase);
    expect(outcome.error?.code).toBe("E_CHUNK_ORDER");
    expect(outcome.error?.message).toMatch(/position 0 .* is chunk #1/);
    expect(outcome.plaintext).toHaveLength(0);
  });

  it("swapping chunks 2 and 3 releases only the verified chunks before them", async () => {
    const { header, records } = parts(fileA);
    const outcome = await decryptCapture(assemble(header, [records[0]!, records[1]!, records[3]!, records[2]!, records[4]!]), passphrase);
    expect(outcome.error?.code).toBe("E_CHUNK_ORDER");
    expect(outcome.plaintext.equals(PLAINTEXT.subarray(0, 2 * CHUNK))).toBe(true);
  });

  it("a dropped middle chunk, a duplicated chunk and a final chunk moved forward are E_CHUNK_ORDER", async () => {
    const { header, records } = parts(fileA);
    const [r0, r1, r2, r3, r4] = records as [Buffer, Buffer, Buffer, Buffer, Buffer];
    for (const reordered of [[r0, r2, r3, r4], [r0, r0, r1, r2, r3, r4], [r0, r4, r1, r2, r3]]) {
      expect((await decryptCapture(assemble(header, reordered), passphrase)).error?.code).toBe("E_CHUNK_ORDER");
    }
  });

  it("dropping the final record is E_TRUNCATED, not a shorter valid file", async () => {
    const { header, records } = parts(fileA);
    const outcome = await decryptCapture(assemble(header, records.slice(0, -1)), passphrase);
    expect(outcome.error?.code).toBe("E_TRUNCATED");
  });
});

describe("records from elsewhere", () => {
  it("chunk 1 of another file under the same passphrase is E_FOREIGN_CHUNK", async () => {
    const a = parts(fileA);
    const b = parts(fileB);
    const outcome = await decryptCapture(assemble(a.header, [a.records[0]!, b.records[1]!, ...a.records.slice(2)]), passphrase);
    expect(outcome.error?.code).toBe("E_FOREIGN_CHUNK");
    expect(outcome.plaintext.equals(PLAINTEXT.subarray(0, CHUNK))).toBe(true);
  });

  it("the header of file B on the payload of file A is E_FOREIGN_CHUNK before any plaintext", async () => {
    const outcome = await decryptCapture(assemble(parts(fileB).header, parts(fileA).records), passphrase);
    expect(outcome.error?.code).toBe("E_FOREIGN_CHUNK");
    expect(outcome.plaintext).toHaveLength(0);
  });

  it("a forged body with fixed-up CRCs is E_FOREIGN_CHUNK", async () => {
    const forged = Buffer.from(fileA);
    const span = recordSpans(forged)[2]!;
    bytesFrom("forgery", span.end - span.start - 20).copy(forged, span.start + 16);
    fixRecordCrcs(forged, span.start);
    expect((await decryptCapture(forged, passphrase)).error?.code).toBe("E_FOREIGN_CHUNK");
  });

  it("setting the final flag on chunk 1 to cut the file short is E_FOREIGN_CHUNK", async () => {
    const { header, records } = parts(fileA);
    const cut = Buffer.from(assemble(header, records.slice(0, 2)));
    const span = recordSpans(cut)[1]!;
    cut.writeUInt32BE((cut.readUInt32BE(span.start + 8) | 0x8000_0000) >>> 0, span.start + 8);
    fixRecordCrcs(cut, span.start);
    const outcome = await decryptCapture(cut, passphrase);
    expect(outcome.error?.code).toBe("E_FOREIGN_CHUNK");
    expect(outcome.plaintext.equals(PLAINTEXT.subarray(0, CHUNK))).toBe(true);
  });
});

describe("impossible record lengths (CRC fixed up)", () => {
  const withLength = (file: Buffer, record: number, lengthField: number): Buffer => {
    const copy = Buffer.from(file);
    const span = recordSpans(copy)[record]!;
    copy.writeUInt32BE(lengthField >>> 0, span.start + 8);
    copy.writeUInt32BE(crc32(copy.subarray(span.start, span.start + 12)), span.start + 12);
    return copy;
  };

  it.each([
    ["a short non-final record", 0, 100],
    ["a final record longer than a chunk", 4, 0x8000_0000 | (CHUNK + 17)],
    ["a body shorter than the GCM tag", 4, 0x8000_0000 | 15],
    ["a body of 2^31 - 1 bytes", 0, 0x7fff_ffff],
  ])("%s is E_CHUNK_CORRUPT", async (_name, record, lengthField) => {
    // Only the record head is edited: the reader must judge the length before waiting for the body.
    const copy = withLength(fileA, record, lengthField);
    const head = copy.subarray(0, recordSpans(fileA)[record]!.start + 16);
    expect((await decryptCapture(head, passphrase)).error?.code).toBe("E_CHUNK_CORRUPT");
  });
});

describe("header edits with the CRC fixed up", () => {
  it("a changed content type or chunk size is E_HEADER_TAMPERED before any plaintext", async () => {
    for (const edit of [
      (h: Buffer) => (h[OFFSET_CONTENT_TYPE] = 2),
      (h: Buffer) => h.writeUInt32BE(2048, OFFSET_CHUNK_SIZE),
    ]) {
      const outcome = await decryptCapture(editHeader(fileA, edit), passphrase);
      expect(outcome.error?.code).toBe("E_HEADER_TAMPERED");
      expect(outcome.plaintext).toHaveLength(0);
    }
  });

  it("a changed iteration count changes the derived key, so it reads as E_WRONG_KEY", async () => {
    // Documented limit of diagnosis: fields that feed key derivation cannot be told apart from a wrong key.
    const edited = editHeader(fileA, (h) => h.writeUInt32BE(100_001, OFFSET_SLOT));
    expect((await decryptCapture(edited, passphrase)).error?.code).toBe("E_WRONG_KEY");
  });

  it("a managed file's header MAC is checked too", async () => {
    const managed = await encryptBuffer(PLAINTEXT, { key: MANAGED_KEY, contentType: "tar+zstd", chunkSize: CHUNK });
    const outcome = await decryptCapture(editHeader(managed, (h) => (h[OFFSET_CONTENT_TYPE] = 2)), UNWRAP);
    expect(outcome.error?.code).toBe("E_HEADER_TAMPERED");
  });
});

// Every refusal the spec lists, checked against the Node reader: same code for the same file, the
// stream errors (never ends cleanly), and what was emitted before the error is an authentic prefix —
// nothing at all for a wrong key or an altered header.
import { describe, expect, it } from "vitest";
import { editHeader, fixRecordCrcs, flipBit, recordSpans } from "../format/test-support.ts";
import { decryptSnapshot, decryptSnapshotPayload } from "./index.ts";
import { DATA_KEY, compress, drain, encryptManaged, managedSnapshot, nodeDecryptCode, sourceOf, tarLike, type WebOutcome } from "./test-support.ts";

const CHUNK = 1024;

type Span = { start: number; end: number };

async function web(file: Uint8Array, key: Uint8Array = DATA_KEY, slices = [333]): Promise<WebOutcome> {
  return drain(decryptSnapshot(sourceOf(file, slices).stream, key));
}

/** A multi-record file (chunk size 1024) and the tar it holds. */
async function fixture(size = 6000): Promise<{ tar: Buffer; file: Buffer }> {
  const tar = tarLike(size, 42);
  return { tar, file: await managedSnapshot(tar, { compression: "zstd", chunkSize: CHUNK }) };
}

function expectPrefix(outcome: WebOutcome, tar: Buffer): void {
  expect(outcome.output.length).toBeLessThan(tar.length);
  expect(outcome.output.equals(tar.subarray(0, outcome.output.length))).toBe(true);
}

describe("damage, with the Node reader's code for the same bytes", () => {
  it("a bit flip anywhere in a one-record file is refused before any output", async () => {
    const tar = Buffer.from("x");
    const file = await managedSnapshot(tar, { compression: "gzip" });
    for (let offset = 0; offset < file.length; offset++) {
      for (const bit of [0, 3, 7]) {
        const damaged = flipBit(file, offset, bit);
        const outcome = await web(damaged);
        expect(outcome.error?.code, `offset ${offset} bit ${bit}`).toBe(await nodeDecryptCode(damaged));
        expect(outcome.output.length).toBe(0);
      }
    }
  });

  it("a bit flip in any byte of a multi-record file is refused, after at most an authentic prefix", async () => {
    const { tar, file } = await fixture();
    expect(recordSpans(file).length).toBeGreaterThan(3);
    for (let offset = 0; offset < file.length; offset += 7) {
      const damaged = flipBit(file, offset, offset % 8);
      const outcome = await web(damaged);
      expect(outcome.error?.code, `offset ${offset}`).toBe(await nodeDecryptCode(damaged));
      expectPrefix(outcome, tar);
    }
  });

  it("truncation at every byte is E_TRUNCATED, including exactly at a record boundary", async () => {
    const { tar, file } = await fixture(3600);
    expect(recordSpans(file).length).toBeGreaterThanOrEqual(3);
    for (let length = 0; length < file.length; length++) {
      const outcome = await web(file.subarray(0, length), DATA_KEY, [length % 50 === 0 ? 1 : 4096]);
      expect(outcome.error?.code, `length ${length}`).toBe("E_TRUNCATED");
      expectPrefix(outcome, tar);
    }
    const spans = recordSpans(file);
    const missingFinal = await web(file.subarray(0, (spans.at(-2) as { end: number }).end));
    expect(missingFinal.error?.code).toBe("E_TRUNCATED");
    expect(missingFinal.error?.message).toMatch(/right after chunk \d+, which is not the last one/);
    expect(await nodeDecryptCode(file.subarray(0, (spans.at(-2) as { end: number }).end))).toBe("E_TRUNCATED");
    const empty = await web(new Uint8Array(0));
    expect(empty.error?.message).toMatch(/^E_TRUNCATED: the file is empty/);
  });

  it("bytes after the final record are E_TRAILING_DATA: one byte, a repeated record, a second file", async () => {
    const { tar, file } = await fixture();
    const last = recordSpans(file).at(-1) as { start: number; end: number };
    for (const extra of [Buffer.from([0]), file.subarray(last.start, last.end), file]) {
      const appended = Buffer.concat([file, extra]);
      const outcome = await web(appended);
      expect(outcome.error?.code).toBe("E_TRAILING_DATA");
      expect(await nodeDecryptCode(appended)).toBe("E_TRAILING_DATA");
      expectPrefix(outcome, tar);
    }
    // A one-record file holds its only chunk until the end of input proves nothing follows.
    const small = await managedSnapshot(Buffer.from("tiny"), { compression: "zstd" });
    const outcome = await web(Buffer.concat([small, Buffer.from([1])]));
    expect(outcome.error?.code).toBe("E_TRAILING_DATA");
    expect(outcome.output.length).toBe(0);
  });

  it("reordered, duplicated and dropped records are E_CHUNK_ORDER", async () => {
    const { tar, file } = await fixture();
    const spans = recordSpans(file);
    const [r0, r1, r2] = [0, 1, 2].map((i) => spans[i] as { start: number; end: number }) as [Span, Span, Span];
    const part = (s: { start: number; end: number }) => file.subarray(s.start, s.end);
    const cases = {
      swapped: Buffer.concat([file.subarray(0, r0.start), part(r1), part(r0), file.subarray(r1.end)]),
      duplicated: Buffer.concat([file.subarray(0, r1.end), part(r1), file.subarray(r1.end)]),
      dropped: Buffer.concat([file.subarray(0, r1.start), file.subarray(r2.start)]),
    };
    for (const [name, edited] of Object.entries(cases)) {
      const outcome = await web(edited);
      expect(outcome.error?.code, name).toBe("E_CHUNK_ORDER");
      expect(await nodeDecryptCode(edited)).toBe("E_CHUNK_ORDER");
      expectPrefix(outcome, tar);
    }
  });

  it("a record from another file (same data key, other salt) is E_FOREIGN_CHUNK", async () => {
    const { tar, file } = await fixture();
    const payload = await compress(tar, "zstd");
    const other = await encryptManaged(payload, "tar+zstd", CHUNK);
    const mine = recordSpans(file)[1] as { start: number; end: number };
    const theirs = recordSpans(other)[1] as { start: number; end: number };
    expect(theirs.end - theirs.start).toBe(mine.end - mine.start);
    const spliced = Buffer.concat([file.subarray(0, mine.start), other.subarray(theirs.start, theirs.end), file.subarray(mine.end)]);
    const outcome = await web(spliced);
    expect(outcome.error?.code).toBe("E_FOREIGN_CHUNK");
    expect(outcome.error?.message).toMatch(/chunk 1 fails authentication/);
    expectPrefix(outcome, tar);
  });

  it("a ciphertext edit with both CRCs fixed up is E_FOREIGN_CHUNK (GCM, not the CRC, is the guard)", async () => {
    const { tar, file } = await fixture();
    const edited = Buffer.from(file);
    const record = recordSpans(edited)[2] as { start: number };
    edited[record.start + 100] = (edited[record.start + 100] as number) ^ 1;
    fixRecordCrcs(edited, record.start);
    const outcome = await web(edited);
    expect(outcome.error?.code).toBe("E_FOREIGN_CHUNK");
    expectPrefix(outcome, tar);
  });
});

describe("key and header: refused before a single byte is emitted", () => {
  it("a wrong data key is E_WRONG_KEY, as is a key of the wrong length", async () => {
    const { file } = await fixture();
    for (const key of [crypto.getRandomValues(new Uint8Array(32)), new Uint8Array(32), DATA_KEY.subarray(0, 16)]) {
      const outcome = await web(file, key);
      expect(outcome.error?.code).toBe("E_WRONG_KEY");
      expect(outcome.output.length).toBe(0);
    }
    const payload = await drain(decryptSnapshotPayload(sourceOf(file).stream, new Uint8Array(32)));
    expect(payload.error?.code).toBe("E_WRONG_KEY");
    expect(payload.output.length).toBe(0);
  });

  it("header fields changed with the CRC fixed up are E_HEADER_TAMPERED (or E_WRONG_KEY for the salt)", async () => {
    const { file } = await fixture();
    // [field, edit, browser code, Node code]. The Node reader unwraps the wrapped key itself, so an
    // altered wrapped key fails there as a wrong key; in the browser the server's unwrap would fail
    // the same way, and given the genuine data key anyway, the header MAC still refuses the file.
    const edits: Array<[string, (b: Buffer) => void, string, string]> = [
      ["content type", (b) => (b[11] = 2), "E_HEADER_TAMPERED", "E_HEADER_TAMPERED"],
      ["chunk size", (b) => b.writeUInt32BE(2048, 12), "E_HEADER_TAMPERED", "E_HEADER_TAMPERED"],
      ["key id", (b) => (b[51] = (b[51] as number) ^ 1), "E_HEADER_TAMPERED", "E_HEADER_TAMPERED"],
      ["wrapped key", (b) => (b[80] = (b[80] as number) ^ 1), "E_HEADER_TAMPERED", "E_WRONG_KEY"],
      ["file salt", (b) => (b[20] = (b[20] as number) ^ 0x10), "E_WRONG_KEY", "E_WRONG_KEY"],
    ];
    for (const [name, edit, code, nodeCode] of edits) {
      const edited = editHeader(file, edit);
      const outcome = await web(edited);
      expect(outcome.error?.code, name).toBe(code);
      expect(await nodeDecryptCode(edited), `Node: ${name}`).toBe(nodeCode);
      expect(outcome.output.length).toBe(0);
    }
  });

  it("damage confined to the key check or the MAC is E_HEADER_CORRUPT, not a wrong key", async () => {
    const { file } = await fixture();
    const crcAt = 50 + file.readUInt16BE(48);
    for (const offset of [crcAt + 4, crcAt + 19, crcAt + 20, crcAt + 51]) {
      const damaged = flipBit(file, offset, 2);
      const outcome = await web(damaged);
      expect(outcome.error?.code, `offset ${offset}`).toBe("E_HEADER_CORRUPT");
      expect(outcome.output.length).toBe(0);
    }
  });
});

describe("authentic payloads that do not decompress: E_COMPRESSED_CORRUPT", () => {
  it.each([
    ["zstd", "tar+zstd"],
    ["gzip", "tar+gzip"],
  ] as const)("%s: garbage, a cut-short stream, extra bytes after the last frame, an empty payload", async (compression, contentType) => {
    const good = await compress(tarLike(200_000, 9), compression, 50_000);
    const payloads = [Buffer.from("this is not compressed data at all"), good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from("junk")]), Buffer.alloc(0)];
    for (const payload of payloads) {
      const file = await encryptManaged(payload, contentType, CHUNK);
      const outcome = await web(file);
      expect(outcome.error?.code, `${payload.length} bytes`).toBe("E_COMPRESSED_CORRUPT");
      expect(outcome.error?.message).toMatch(/decrypted correctly but its contents are not valid/);
    }
  });
});

// readSnapshotHeader applies every bound the Node reader applies, in the same order, with the same codes.
import { describe, expect, it } from "vitest";
import { MAX_HEADER_LENGTH as NODE_MAX_HEADER_LENGTH } from "../format/constants.ts";
import { parseHeader } from "../format/parse-header.ts";
import { PASSPHRASE_KEY, editHeader } from "../format/test-support.ts";
import { encryptBuffer } from "../format/transform-buffer.ts";
import { MAX_HEADER_LENGTH, isWebSnapshotError, readSnapshotHeader } from "./index.ts";
import { managedSnapshot } from "./test-support.ts";

const file = await managedSnapshot(Buffer.from("hello"), { compression: "zstd" });

function codeOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("readSnapshotHeader", () => {
  it("returns what the Node parser returns, from the file's first MAX_HEADER_LENGTH bytes", () => {
    expect(MAX_HEADER_LENGTH).toBe(NODE_MAX_HEADER_LENGTH);
    const node = parseHeader(file);
    for (const bytes of [file.subarray(0, MAX_HEADER_LENGTH), file.subarray(0, node.byteLength), file]) {
      const header = readSnapshotHeader(bytes);
      expect(header).toMatchObject({ headerLength: node.byteLength, version: 1, suite: 1, keyMode: "managed", keyId: node.keyId, chunkSize: 65_536, contentType: "tar+zstd" });
      expect(Buffer.from(header.wrappedKey).equals(Buffer.from(node.wrappedKey as Uint8Array))).toBe(true);
      expect(Buffer.from(header.fileSalt).equals(Buffer.from(node.fileSalt))).toBe(true);
      expect(Buffer.from(header.headerBytes).equals(file.subarray(0, node.byteLength))).toBe(true);
    }
  });

  it("says E_TRUNCATED for every prefix shorter than the header", () => {
    const length = parseHeader(file).byteLength;
    for (let n = 0; n < length; n++) {
      expect(codeOf(() => readSnapshotHeader(file.subarray(0, n))), `${n} bytes`).toBe("E_TRUNCATED");
    }
  });

  it("says E_NOT_A_SNAPSHOT from the first wrong byte", () => {
    for (const bytes of [Buffer.from("P"), Buffer.from("PK\x03\x04"), Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from("NACRESNQ"), Buffer.alloc(2000)]) {
      expect(codeOf(() => readSnapshotHeader(bytes))).toBe("E_NOT_A_SNAPSHOT");
    }
  });

  it("refuses hostile or damaged fields with the Node parser's code", () => {
    const edits: Array<[string, (b: Buffer) => void]> = [
      ["chunk size 0", (b) => b.writeUInt32BE(0, 12)],
      ["chunk size 1023", (b) => b.writeUInt32BE(1023, 12)],
      ["chunk size 4 MiB + 1", (b) => b.writeUInt32BE(4_194_305, 12)],
      ["chunk size 2^32 - 1", (b) => b.writeUInt32BE(0xffffffff, 12)],
      ["key mode 0", (b) => (b[10] = 0)],
      ["key mode 4", (b) => (b[10] = 4)],
      ["key mode passphrase with a managed slot", (b) => (b[10] = 1)],
      ["content type 0", (b) => (b[11] = 0)],
      ["content type 3", (b) => (b[11] = 3)],
      ["version 2", (b) => (b[8] = 2)],
      ["suite 2", (b) => (b[9] = 2)],
      ["key id length 0", (b) => (b[50] = 0)],
      ["key id length too long", (b) => (b[50] = (b[50] as number) + 1)],
      ["wrapped length 39", (b) => (b[51 + (b[50] as number)] = 39)],
      ["key id not UTF-8", (b) => (b[51] = 0xff)],
    ];
    for (const [name, edit] of edits) {
      const edited = editHeader(file, edit);
      const expected = codeOf(() => parseHeader(edited));
      expect(expected, name).toMatch(/^E_(HEADER_FIELD|UNSUPPORTED_VERSION)$/);
      expect(codeOf(() => readSnapshotHeader(edited)), name).toBe(expected);
    }
    // Without the CRC fixed up, the same edits are damage.
    expect(codeOf(() => readSnapshotHeader(Buffer.from(file).fill(9, 12, 13)))).toBe("E_HEADER_CORRUPT");
  });

  it("refuses a slot length over 1024 before waiting for the slot (or its CRC)", () => {
    for (const slotLength of [1025, 2000, 65535]) {
      const bytes = Buffer.from(file.subarray(0, 50));
      bytes.writeUInt16BE(slotLength, 48);
      expect(codeOf(() => readSnapshotHeader(bytes))).toBe("E_HEADER_FIELD");
      expect(codeOf(() => parseHeader(bytes))).toBe("E_HEADER_FIELD");
    }
  });

  it("refuses passphrase-mode headers with E_KEY_MODE, pointing at the CLI", async () => {
    const passphraseFile = await encryptBuffer(Buffer.from("x"), { key: PASSPHRASE_KEY, contentType: "tar+gzip" });
    let error: unknown;
    try {
      readSnapshotHeader(passphraseFile);
    } catch (caught) {
      error = caught;
    }
    expect(isWebSnapshotError(error, "E_KEY_MODE")).toBe(true);
    expect((error as Error).message).toMatch(/passphrase.*nacre-agent decrypt/);
  });
});

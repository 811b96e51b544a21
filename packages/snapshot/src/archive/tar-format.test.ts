// The header codec on its own: what we encode, our decoder (and the entry parser) reads back exactly.
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTarHeader } from "./decode-tar-header.ts";
import { encodeTarHeader, endOfArchive } from "./encode-tar-header.ts";
import type { TarHeaderInput } from "./encode-tar-header.ts";
import { parseTarEntries } from "./parse-tar-entries.ts";
import type { TarEntry } from "./parse-tar-entries.ts";
import { encodePaxRecords, formatPaxTime, parsePaxRecords, parsePaxTime } from "./pax-records.ts";
import { TarInput } from "./tar-input.ts";

async function parseAll(bytes: Buffer, chunk = bytes.length): Promise<TarEntry[]> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: TarEntry[] = [];
  for await (const e of parseTarEntries(new TarInput(Readable.from(parts)))) out.push(e);
  return out;
}

const segment = fc.stringMatching(/^[a-zA-Z0-9._éü日本🎉 -]{1,60}$/u).filter((s) => s !== "." && s !== "..");
const header: fc.Arbitrary<TarHeaderInput> = fc.record({
  path: fc.array(segment, { minLength: 1, maxLength: 6 }).map((p) => p.join("/")),
  type: fc.constantFrom("file" as const, "dir" as const, "symlink" as const),
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  gid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  uname: fc.stringMatching(/^[a-z_é]{0,40}$/),
  gname: fc.stringMatching(/^[a-z_]{0,40}$/),
  size: fc.integer({ min: 0, max: 4096 }),
  mtimeNs: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 19n }),
  linkpath: fc.array(segment, { minLength: 1, maxLength: 8 }).map((p) => p.join("/")),
});

describe("tar header codec", () => {
  it("round-trips every field through pax when ustar cannot hold it (property)", async () => {
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const input = { ...h, size: h.type === "file" ? h.size : 0, linkpath: h.type === "symlink" ? h.linkpath : undefined };
        const bytes = encodeTarHeader(input);
        expect(bytes.length % 512).toBe(0);
        const body = Buffer.alloc(Math.ceil(input.size / 512) * 512, 0x61);
        const entries = await parseAll(Buffer.concat([bytes, body, endOfArchive()]), 512);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          path: input.type === "dir" ? `${input.path}/` : input.path,
          type: input.type,
          mode: input.mode,
          mtimeNs: input.mtimeNs,
          size: input.size,
          linkpath: input.linkpath ?? "",
        });
      }),
      { numRuns: 300 },
    );
  });

  it("keeps sizes of 8 GiB and more in a pax size record", async () => {
    const bytes = encodeTarHeader({ path: "big", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 2 ** 33 + 5, mtimeNs: 0n });
    expect(bytes.toString("latin1")).toContain(" size=8589934597\n");
    const entries = parseTarEntries(new TarInput(Readable.from([bytes])));
    expect((await entries.next()).value).toMatchObject({ size: 2 ** 33 + 5 });
  });

  it("rejects a header whose checksum does not match", () => {
    const bytes = encodeTarHeader({ path: "a", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 0, mtimeNs: 0n });
    expect(decodeTarHeader(bytes).name).toBe("a");
    bytes[0] = 0x62;
    expect(() => decodeTarHeader(bytes)).toThrow(/E_ARCHIVE_CORRUPT/);
  });

  it("reads GNU base-256 numbers", () => {
    const bytes = encodeTarHeader({ path: "a", type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 0, mtimeNs: 0n });
    bytes.fill(0, 124, 136);
    bytes[124] = 0x80;
    bytes.writeUIntBE(2 ** 40, 130, 6);
    bytes.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of bytes.subarray(0, 512)) sum += b;
    bytes.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
    expect(decodeTarHeader(bytes).size).toBe(2 ** 40);
  });

  it("encodes pax records whose length prefix counts itself, across digit boundaries", () => {
    for (let n = 80; n < 1100; n++) {
      const records = encodePaxRecords([["path", "x".repeat(n)]]);
      expect(Number(records.toString("latin1").split(" ")[0])).toBe(records.length);
      expect(parsePaxRecords(records).get("path")).toBe("x".repeat(n));
    }
  });

  it("formats and parses pax times to the nanosecond", () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), (ns) => parsePaxTime(formatPaxTime(ns)) === ns));
    expect(formatPaxTime(1_700_000_000_500_000_000n)).toBe("1700000000.5");
    expect(formatPaxTime(-1_500_000_000n)).toBe("-1.5");
    expect(() => parsePaxRecords(Buffer.from("99 path=x\n"))).toThrow(/E_ARCHIVE_CORRUPT/);
  });
});

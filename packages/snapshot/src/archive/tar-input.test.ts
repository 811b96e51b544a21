// How the extractor reads its source: chunk by chunk as produced (no joining copies), with a bounded
// read-ahead, and never mistaking a source torn down midway for the end of the archive.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { extractArchive } from "./index.ts";
import { TarInput } from "./tar-input.ts";
import { listArchive } from "./list-archive.ts";
import { paxData, rawArchive, tempDir } from "./test-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("TarInput over a Readable", () => {
  it("hands chunks over as the stream pushed them, without joining what was buffered", async () => {
    const chunks = [Buffer.alloc(512, 1), Buffer.alloc(1000, 2), Buffer.alloc(24, 3)];
    const stream = new PassThrough();
    for (const c of chunks) stream.write(c);
    stream.end();
    const input = new TarInput(stream);
    const seen: Buffer[] = [];
    for await (const slice of input.read(1536)) seen.push(slice);
    // Each slice is a view of one of the pushed buffers (a joined copy would be one new buffer).
    expect(seen.map((s) => s.length)).toEqual([512, 1000, 24]);
    expect(seen.every((s, i) => s.buffer === (chunks[i] as Buffer).buffer)).toBe(true);
    await input.close();
  });

  it("stops pulling once a bounded read-ahead is queued", async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const input = new TarInput(source);
    expect(await input.readBlock()).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // 1 MiB of read-ahead plus what the stream itself buffers (its high-water mark), not an endless pull.
    expect(produced).toBeLessThan(4 * 1024 * 1024);
    await input.close();
    expect(source.destroyed).toBe(true);
  });

  it("fails an extraction whose source is destroyed midway instead of stopping quietly", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const archive = rawArchive([{ name: "a", type: "0", data: Buffer.alloc(5000, 1) }]);
    const source = new PassThrough();
    source.write(archive.subarray(0, 2048));
    setTimeout(() => source.destroy(), 20);
    await expect(extractArchive(source, join(t.dir, "out"))).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
  });

  it("fails an extraction with the source's own error", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const source = new PassThrough();
    source.write(rawArchive([{ name: "a", type: "0", data: Buffer.alloc(100, 1) }], { end: false }));
    setTimeout(() => source.destroy(Object.assign(new Error("E_FOREIGN_CHUNK: bad tag"), { code: "E_FOREIGN_CHUNK" })), 20);
    await expect(extractArchive(source, join(t.dir, "out"))).rejects.toMatchObject({ code: "E_FOREIGN_CHUNK" });
  });

  it("extracts a file delivered in pieces of every size, one byte included", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const data = Buffer.alloc(2 * 1024 * 1024 + 333);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const archive = rawArchive([{ name: "f", type: "0", data }]);
    const pieces: Buffer[] = [];
    let at = 0;
    for (let i = 0; at < archive.length; i++) {
      const n = i % 3 === 0 ? 1 : i % 3 === 1 ? 7 * 1024 + 5 : 300 * 1024;
      pieces.push(archive.subarray(at, at + n));
      at += n;
    }
    await extractArchive(Readable.from(pieces), join(t.dir, "out"));
    expect((await readFile(join(t.dir, "out/f"))).equals(data)).toBe(true);
  });
});

describe("TarInput handing chunks back to their producer", () => {
  // An archive with headers, pax records and bodies that straddle chunk boundaries, cut into pieces of
  // awkward sizes, each a buffer of its own that the "producer" scribbles over the moment it comes back:
  // a reader that still used a recycled chunk would write or parse garbage.
  function scribbledSource(archive: Buffer): { source: Readable; recycle: (chunk: Buffer) => void; recycled: Buffer[] } {
    const pieces: Buffer[] = [];
    for (let at = 0, i = 0; at < archive.length; i++) {
      const n = [1, 511, 513, 4096, 70_001, 300 * 1024][i % 6]!;
      pieces.push(Buffer.from(archive.subarray(at, at + n)));
      at += n;
    }
    const recycled: Buffer[] = [];
    const recycle = (chunk: Buffer): void => {
      recycled.push(chunk);
      chunk.fill(0xee);
    };
    return { source: Readable.from(pieces), recycle, recycled };
  }

  function sample(): { archive: Buffer; files: Map<string, Buffer> } {
    const files = new Map<string, Buffer>();
    const entries = [];
    for (let i = 0; i < 40; i++) {
      const data = Buffer.alloc((i * 7919) % 90_000);
      for (let j = 0; j < data.length; j++) data[j] = (i * 13 + j * 7) & 0xff;
      const name = `dir/file-${i}`;
      files.set(name, data);
      if (i % 5 === 0) entries.push({ name: "PaxHeader", type: "x", data: paxData({ mtime: "1700000000.5" }) });
      entries.push({ name, type: "0", data });
    }
    return { archive: rawArchive([{ name: "dir", type: "5" }, ...entries]), files };
  }

  it("extracts every byte right although each chunk is overwritten as soon as it is handed back", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const { archive, files } = sample();
    const { source, recycle, recycled } = scribbledSource(archive);
    await extractArchive(source, join(t.dir, "out"), { recycle });
    for (const [name, data] of files) expect((await readFile(join(t.dir, "out", name))).equals(data), name).toBe(true);
    // Every chunk but the last came back (the last one is where the archive ended).
    expect(recycled.length).toBeGreaterThan(20);
    expect(new Set(recycled).size).toBe(recycled.length);
  });

  it("lists the same archive right under the same scribbling", async () => {
    const { archive, files } = sample();
    const { source, recycle } = scribbledSource(archive);
    const entries = await listArchive(source, { recycle });
    expect(entries.filter((e) => e.type === "file").map((e) => [e.path, e.size])).toEqual([...files].map(([name, data]) => [name, data.length]));
  });

  it("hands a chunk back only once it has been read past", async () => {
    const chunks = [Buffer.alloc(512, 1), Buffer.alloc(1024, 2), Buffer.alloc(512, 3)];
    const recycled: Buffer[] = [];
    const input = new TarInput(Readable.from(chunks), (c) => recycled.push(c));
    await input.readBlock();
    expect(recycled).toEqual([]);
    await input.readBlock();
    expect(recycled).toEqual([chunks[0]]);
    await input.readBlock();
    expect(recycled).toEqual([chunks[0]]);
    await input.readBlock();
    expect(recycled).toEqual([chunks[0], chunks[1]]);
    await input.close();
  });
});

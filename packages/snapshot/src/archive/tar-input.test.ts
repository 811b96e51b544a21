// How the extractor reads its source: chunk by chunk as produced (no joining copies), with a bounded
// read-ahead, and never mistaking a source torn down midway for the end of the archive.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { extractArchive } from "./index.ts";
import { TarInput } from "./tar-input.ts";
import { rawArchive, tempDir } from "./test-helpers.ts";

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

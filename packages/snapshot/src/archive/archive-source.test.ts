// The pull source under the stream: a reader that brings (and reuses) its own buffer, of any size, reads
// the same archive the stream gives, and closing early leaves nothing behind.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { buildFixtureTree } from "./fixture-tree.ts";
import { createArchiveSource } from "./create-archive-source.ts";
import { createArchiveStream } from "./index.ts";
import { collect, useScratchDirs } from "./test-helpers.ts";

const { scratch } = useScratchDirs();

async function tree(): Promise<string> {
  const base = await scratch();
  const src = join(base, "src");
  await mkdir(src);
  await buildFixtureTree(src);
  const db = new DatabaseSync(join(src, "app.db"));
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000));");
  db.close();
  await writeFile(join(src, "zz-big"), randomBytes(3 * 1024 * 1024 + 5));
  return src;
}

describe("archive source", () => {
  it("fills reused buffers of any size with the same bytes the stream gives", async () => {
    const src = await tree();
    const roots = [{ name: "s", path: src }];
    const expected = await collect(createArchiveStream(roots));
    for (const size of [509, 4096, 1024 * 1024 + 3, 4 * 1024 * 1024]) {
      const source = createArchiveSource(roots);
      const buf = Buffer.alloc(size);
      const parts: Buffer[] = [];
      for (let n = await source.read(buf); n > 0; n = await source.read(buf)) {
        parts.push(Buffer.from(buf.subarray(0, n)));
        if (n < size) break;
      }
      expect(await source.read(buf)).toBe(0);
      expect([size, Buffer.concat(parts).equals(expected)]).toEqual([size, true]);
    }
  });

  it("closes early without leaving its SQLite copy behind, and reads nothing after", async () => {
    const src = await tree();
    const staging = await scratch();
    const source = createArchiveSource([{ name: "s", path: src }], { tempDir: staging });
    const buf = Buffer.alloc(64 * 1024);
    // Past the database ("app.db" sorts first), inside the fixture's 3 MiB blob.bin.
    let read = 0;
    while (read < 2 * 1024 * 1024) read += await source.read(buf);
    await source.close();
    expect(await readdir(staging)).toEqual([]);
    expect(await source.read(buf)).toBe(0);
  });
});

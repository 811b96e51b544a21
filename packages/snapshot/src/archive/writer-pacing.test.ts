// The writer reads files with synchronous calls on the caller's thread. What a user of the stream must
// still get: large chunks (one consumer call per MiB, not per file), and an event loop that keeps turning
// (heartbeats, timers, threadpool completions) during a long archive, even for a consumer that never waits.
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createArchiveStream, listArchive } from "./index.ts";
import { useScratchDirs } from "./test-helpers.ts";

const MiB = 1024 * 1024;
const { scratch } = useScratchDirs();

describe("writer pacing", () => {
  it("hands the consumer 1 MiB chunks, whatever the size of the files", async () => {
    const src = await scratch();
    await mkdir(join(src, "many"));
    // Sizes above SQLite's smallest page, so every file is checked for the SQLite magic, and a large file
    // whose data starts and ends mid-chunk.
    for (let i = 0; i < 1500; i++) await writeFile(join(src, "many", `f-${String(i).padStart(4, "0")}`), Buffer.alloc(700 + i, i & 0xff));
    await writeFile(join(src, "z-large"), Buffer.alloc(5 * MiB + 7, 9));
    const chunks: Buffer[] = [];
    for await (const chunk of createArchiveStream([{ name: "s", path: src }])) chunks.push(chunk as Buffer);
    expect(chunks.length).toBeGreaterThan(6);
    expect(chunks.slice(0, -1).filter((c) => c.length !== MiB)).toEqual([]);
    const list = await listArchive(Readable.from([Buffer.concat(chunks)]));
    expect(list).toHaveLength(1 + 1 + 1500 + 1);
    expect(list.at(-1)).toMatchObject({ path: "s/z-large", size: 5 * MiB + 7 });
  });

  it("lets timers run while it archives, even for a consumer that never waits", async () => {
    const src = await scratch();
    const fh = await open(join(src, "sparse.img"), "w");
    await fh.truncate(256 * MiB);
    await fh.close();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let bytes = 0;
    try {
      // Taking chunks as they come resumes the writer through microtasks only: without its own pauses,
      // no timer could fire until the archive ended.
      for await (const chunk of createArchiveStream([{ name: "s", path: src }])) bytes += (chunk as Buffer).length;
    } finally {
      clearInterval(timer);
    }
    expect(bytes).toBeGreaterThan(256 * MiB);
    expect(ticks).toBeGreaterThanOrEqual(2);
  });
});

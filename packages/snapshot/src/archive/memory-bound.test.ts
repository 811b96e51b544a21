// However large the data, the stream holds at most a few MiB: the writer reads a file only as fast as the
// consumer takes the archive. Measured on the stream's own buffer, not on time.
import { open, mkdir } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createArchiveStream, listArchive } from "./index.ts";
import { tempDir } from "./test-helpers.ts";

const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("bounded memory", () => {
  it("never buffers more than a few MiB while archiving a 512 MiB file to a slow consumer", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    await mkdir(join(t.dir, "src"));
    const fh = await open(join(t.dir, "src/big.img"), "w");
    await fh.truncate(512 * MiB);
    for (const at of [0, 100 * MiB, 300 * MiB, 512 * MiB - 2 * MiB]) await fh.write(randomBytes(2 * MiB), 0, 2 * MiB, at);
    await fh.close();

    const stream = createArchiveStream([{ name: "state", path: join(t.dir, "src") }]);
    let maxBuffered = 0;
    let total = 0;
    let writes = 0;
    // A consumer that yields to the event loop on every chunk, so the producer always runs ahead of it
    // until backpressure stops it: the worst case for buffering.
    const slow = new Writable({
      highWaterMark: MiB,
      write(chunk: Buffer, _enc, done) {
        total += chunk.length;
        // Sampled when the chunk is done with, after the writer had time to run ahead.
        const finish = (): void => {
          maxBuffered = Math.max(maxBuffered, stream.readableLength);
          done();
        };
        if (++writes % 8 === 0) setTimeout(finish, 1);
        else setImmediate(finish);
      },
    });
    await pipeline(stream, slow);

    // The data, plus headers (pax ones for sub-second mtimes) and the end blocks.
    expect(total % 512).toBe(0);
    expect(total - 512 * MiB).toBeGreaterThan(1024);
    expect(total - 512 * MiB).toBeLessThan(8192);
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(16 * MiB);
    expect(stream.readableHighWaterMark).toBeLessThanOrEqual(4 * MiB);
  });

  it("lists the archive of a 512 MiB file with the right size", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    await mkdir(join(t.dir, "src"));
    const fh = await open(join(t.dir, "src/big.img"), "w");
    await fh.truncate(512 * MiB + 7);
    await fh.close();
    const list = await listArchive(createArchiveStream([{ name: "state", path: join(t.dir, "src") }]));
    expect(list.map((e) => [e.path, e.size])).toEqual([
      ["state", 0],
      ["state/big.img", 512 * MiB + 7],
    ]);
  });
});

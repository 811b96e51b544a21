import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { compressSource } from "../compress/index.ts";
import { collect } from "../archive/test-helpers.ts";
import { openSnapshotStream } from "./open-snapshot-stream.ts";

describe("openSnapshotStream", () => {
  // A download as the stores give it: an async generator over a file or a response body, which only
  // releases them when it is closed.
  function download(file: Buffer, piece: number) {
    const state = { closed: false, served: 0 };
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        for (let at = 0; at < file.length; at += piece) {
          state.served += 1;
          yield file.subarray(at, at + piece);
        }
      } finally {
        state.closed = true;
      }
    }
    return { body: body(), state };
  }

  it("closes the download when its reader stops early, instead of leaving it to garbage collection", async () => {
    const file = await collect(compressSource(Readable.from([randomBytes(4 * 1024 * 1024)]), "zstd", { frameSize: 256 * 1024 }));
    const { body, state } = download(file, 64 * 1024);
    const opened = await openSnapshotStream(body);
    await new Promise<void>((resolve) => opened.tar.once("data", () => resolve()));
    opened.tar.destroy();
    for (let i = 0; i < 50 && !state.closed; i++) await sleep(10);
    expect(state.closed).toBe(true);
    expect(state.served).toBeLessThan(Math.ceil(file.length / (64 * 1024)));
  });

  it("reads the download to its end and closes it when the reader does", async () => {
    const data = randomBytes(1024 * 1024);
    const file = await collect(compressSource(Readable.from([data]), "zstd", { frameSize: 256 * 1024 }));
    const { body, state } = download(file, 10_000);
    const opened = await openSnapshotStream(body);
    expect((await collect(opened.tar)).equals(data)).toBe(true);
    expect(state.closed).toBe(true);
  });
});

import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSha256, hashStream } from "./create-sha256.ts";

const reference = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("createSha256", () => {
  it("gives the SHA-256 of every byte added, across chunk sizes that wrap its ring and exceed it", async () => {
    const data = randomBytes(11 * 1024 * 1024 + 7);
    for (const sizes of [[1, 7, 65_536], [1024 * 1024], [3 * 1024 * 1024 + 1], [9 * 1024 * 1024]]) {
      const hash = createSha256();
      for (let at = 0, i = 0; at < data.length; i++) {
        const n = sizes[i % sizes.length]!;
        await hash.update(data.subarray(at, at + n));
        at += n;
      }
      expect(await hash.digest(), `chunks of ${sizes.join("/")}`).toBe(reference(data));
    }
  });

  it("hashes nothing as the empty input's digest", async () => {
    expect(await createSha256().digest()).toBe(reference(Buffer.alloc(0)));
  });

  it("lets the caller refill a chunk as soon as update() settles", async () => {
    const hash = createSha256();
    const chunk = Buffer.alloc(256 * 1024);
    const added: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      chunk.fill(i);
      added.push(Buffer.from(chunk));
      await hash.update(chunk);
    }
    expect(await hash.digest()).toBe(reference(Buffer.concat(added)));
  });

  // In a process of its own: whether the worker keeps a process alive is the point.
  const run = (body: string) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", `import { createSha256 } from ${JSON.stringify(new URL("./create-sha256.ts", import.meta.url).pathname)};\n${body}`], {
      encoding: "utf8",
      timeout: 20_000,
    });

  it("keeps the process alive while the caller waits for it, and not a moment longer", () => {
    // More than the ring holds, so update() must wait for the worker; nothing else keeps this process up.
    const out = run(`const h = createSha256(); await h.update(new Uint8Array(20 * 1024 * 1024)); console.log(await h.digest());`);
    expect(out.trim()).toBe(reference(Buffer.alloc(20 * 1024 * 1024)));
  });

  it("never holds up the exit when abandoned without dispose()", () => {
    const started = Date.now();
    expect(run(`const h = createSha256(); await h.update(new Uint8Array(1000)); console.log("left");`).trim()).toBe("left");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("refuses more bytes once disposed, with an error instead of a hang", async () => {
    const hash = createSha256();
    hash.dispose();
    await expect(hash.update(new Uint8Array(10 * 1024 * 1024))).rejects.toThrow(/stopped \(disposed\)/);
    await expect(hash.digest()).rejects.toThrow(/stopped \(disposed\)/);
  });
});

describe("hashStream", () => {
  async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
  }

  it("passes the bytes through in their chunks, counted and hashed", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const stream = hashStream(chunks(data, 100_000));
    const seen: Uint8Array[] = [];
    for await (const chunk of stream.body) seen.push(chunk);
    expect(seen).toHaveLength(Math.ceil(data.length / 100_000));
    expect(Buffer.concat(seen).equals(data)).toBe(true);
    expect(stream.bytes).toBe(data.length);
    expect(await stream.digest()).toBe(reference(data));
  });

  it("stops its hash when the reader closes the body before the end", async () => {
    const stream = hashStream(chunks(randomBytes(1024 * 1024), 1024));
    for await (const _ of stream.body) break;
    expect(stream.bytes).toBe(1024);
    await expect(stream.digest()).rejects.toThrow(/stopped \(disposed\)/);
  });
});

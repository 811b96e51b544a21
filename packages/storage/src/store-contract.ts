// The behaviour every BackupStore must show, as one vitest suite that each store's test file runs
// against a real backend (the local S3 server, a temporary directory). Not a *.test.ts file: it
// only runs when a store's test calls it.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StorageErrorCode } from "./storage-error.ts";
import type { BackupStore } from "./types.ts";

export interface ContractSubject {
  store: BackupStore;
  /** The part size the store uses in this setup (S3 tests shrink it); sizes are derived from it. */
  partSize: number;
  /** Traces of unfinished writes (S3: multipart uploads on the server; fs: .partial files). */
  leftovers(): Promise<string[]>;
}

/** Deterministic pseudo-random bytes, so a failing comparison can be reproduced. */
export function testBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Yields `data` in chunks of `chunkSize` bytes, as a stream would. */
export async function* chunksOf(data: Uint8Array, chunkSize = 7_777): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += chunkSize) yield data.subarray(offset, offset + chunkSize);
}

/** Concatenates a body. */
export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Byte equality without vitest's element-by-element diff, which takes seconds on large buffers. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label?: string): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  if (a.equals(expected)) return;
  let at = 0;
  while (at < Math.min(a.length, expected.length) && a[at] === expected[at]) at++;
  expect.fail(`${label ?? "bytes"} differ: ${a.length} bytes vs ${expected.length} expected, first difference at byte ${at}`);
}

/** Hex SHA-256, as put() reports it. */
export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A key prefix no other test uses. */
export function freshPrefix(): string {
  return `t-${randomBytes(4).toString("hex")}/`;
}

/** Asserts that `promise` rejects with a StorageError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: "StorageError", code });
}

/** Registers the BackupStore contract tests for the subject returned by `subject()`. */
export function describeStoreContract(label: string, subject: () => ContractSubject): void {
  describe(`${label}: BackupStore contract`, () => {
    const sizes = (): [string, number][] => {
      const p = subject().partSize;
      return [
        ["empty", 0],
        ["one byte", 1],
        ["exactly one part", p],
        ["several parts and a short last one", 3 * p + 123],
      ];
    };

    it("round-trips bodies of 0 B, 1 B, one exact part and several parts", async () => {
      const { store } = subject();
      const prefix = freshPrefix();
      for (const [name, size] of sizes()) {
        const key = `${prefix}${name.replace(/ /g, "-")}.bin`;
        const data = testBytes(size, size + 1);
        const progress: number[] = [];
        const put = await store.put(key, chunksOf(data), { expectedSize: size, onProgress: (n) => progress.push(n) });
        expect(put, name).toEqual({ key, size, sha256: sha256Hex(data) });
        expect(progress.at(-1) ?? 0, name).toBe(size);
        expect([...progress].sort((a, b) => a - b), name).toEqual(progress);

        const info = await store.head(key);
        expect(info, name).toMatchObject({ key, size, sha256: sha256Hex(data) });
        expect(info?.metadata, name).toMatchObject({ sha256: sha256Hex(data), size: String(size) });
        expect(info?.lastModified, name).toBeInstanceOf(Date);

        const got = await store.get(key);
        expect(got.size, name).toBe(size);
        expectSameBytes(await collect(got.body), data, name);
      }
      const listed = await store.list(prefix);
      expect(listed.map((o) => [o.key.slice(prefix.length), o.size])).toEqual([
        ["empty.bin", 0],
        ["exactly-one-part.bin", subject().partSize],
        ["one-byte.bin", 1],
        ["several-parts-and-a-short-last-one.bin", 3 * subject().partSize + 123],
      ]);
      expect(await subject().leftovers()).toEqual([]);
    });

    it("releases every chunk of the body once stored, and a producer that refills a released chunk at once changes nothing stored", async () => {
      const { store, partSize } = subject();
      const key = `${freshPrefix()}released.bin`;
      const data = testBytes(3 * partSize + 123, 7);
      // One buffer reused for every chunk, exactly as a recycling producer would: it is refilled only
      // after the store released it, so any byte the store still needed would come out wrong.
      const shared = Buffer.alloc(5_000);
      let outstanding = false;
      let released = 0;
      async function* reusing(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < data.length; at += shared.length) {
          expect(outstanding).toBe(false);
          const n = data.copy(shared, 0, at, at + shared.length);
          outstanding = true;
          yield shared.subarray(0, n);
        }
      }
      const put = await store.put(key, reusing(), {
        expectedSize: data.length,
        release: (chunk) => {
          expect(chunk.buffer).toBe(shared.buffer);
          outstanding = false;
          released++;
          shared.fill(0xee); // scribble over it: the store said it was done
        },
      });
      expect(put.sha256).toBe(sha256Hex(data));
      expect(released).toBe(Math.ceil(data.length / shared.length));
      expectSameBytes(await collect((await store.get(key)).body), data);
    });

    it("lists every object under a prefix, sorted, across pages and nested keys", async () => {
      const { store } = subject();
      const prefix = freshPrefix();
      const keys = ["b", "a/2", "a/1", "ab", "c/d/e", "a/10"].map((k) => prefix + k);
      for (const key of keys) await store.put(key, chunksOf(Buffer.from(key)), { expectedSize: key.length });
      expect((await store.list(prefix)).map((o) => o.key)).toEqual([...keys].sort());
      expect((await store.list(`${prefix}a/`)).map((o) => o.key.slice(prefix.length))).toEqual(["a/1", "a/10", "a/2"]);
      expect((await store.list(`${prefix}a`)).map((o) => o.key.slice(prefix.length))).toEqual(["a/1", "a/10", "a/2", "ab"]);
      expect(await store.list(`${prefix}nothing-here/`)).toEqual([]);
      const all = (await store.list("")).map((o) => o.key);
      expect(all).toEqual(expect.arrayContaining(keys));
    });

    it("replaces an object put twice under one key", async () => {
      const { store } = subject();
      const key = `${freshPrefix()}same`;
      await store.put(key, chunksOf(testBytes(1000, 1)), { expectedSize: 1000 });
      const second = testBytes(2000, 2);
      await store.put(key, chunksOf(second), { expectedSize: 2000 });
      expectSameBytes(await collect((await store.get(key)).body), second);
      expect((await store.head(key))?.sha256).toBe(sha256Hex(second));
      expect(await store.list(key)).toHaveLength(1);
    });

    it("answers head() with null and get() with E_NOT_FOUND for a missing key; delete() is idempotent", async () => {
      const { store } = subject();
      const key = `${freshPrefix()}gone`;
      expect(await store.head(key)).toBeNull();
      await expectCode(store.get(key), "E_NOT_FOUND");
      await store.put(key, chunksOf(Buffer.from("x")), { expectedSize: 1 });
      await store.delete(key);
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      expect(await store.list(key)).toEqual([]);
    });

    it("rejects keys that are empty, absolute, contain '..' or name the store's own files (E_BAD_KEY)", async () => {
      const { store } = subject();
      for (const key of ["", "/abs", "a/../b", "..", "a//b", "dir/", "a\\b", "x.meta.json", "y.partial-1"]) {
        await expectCode(store.put(key, chunksOf(Buffer.from("x")), { expectedSize: 1 }), "E_BAD_KEY");
        await expectCode(store.head(key), "E_BAD_KEY");
      }
      await expectCode(store.list("../"), "E_BAD_KEY");
    });

    it("keeps nothing when the body fails mid-upload (E_SOURCE)", async () => {
      const { store, partSize } = subject();
      const prefix = freshPrefix();
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield* chunksOf(testBytes(2 * partSize + 10));
        // an errno-like code must not make the store mistake it for its own I/O failure
        throw Object.assign(new Error("disk read failed"), { code: "EIO" });
      }
      const rejected = store.put(`${prefix}broken`, failing(), { expectedSize: 4 * partSize });
      await expectCode(rejected, "E_SOURCE");
      await expect(rejected).rejects.toThrow(/disk read failed/);
      expect(await store.list(prefix)).toEqual([]);
      expect(await subject().leftovers()).toEqual([]);
    });

    it("keeps nothing when the AbortSignal fires mid-upload (E_ABORTED), even with a stalled source", async () => {
      const { store, partSize } = subject();
      const prefix = freshPrefix();
      const controller = new AbortController();
      async function* slow(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 4; i++) yield testBytes(partSize, i);
        await new Promise(() => {}); // stalls, as a hung source would
      }
      const put = store.put(`${prefix}aborted`, slow(), {
        expectedSize: 10 * partSize,
        signal: controller.signal,
        onProgress: () => controller.abort(new Error("user pressed Ctrl-C")),
      });
      await expectCode(put, "E_ABORTED");
      expect(await store.list(prefix)).toEqual([]);
      expect(await subject().leftovers()).toEqual([]);

      await expectCode(
        store.put(`${prefix}pre-aborted`, chunksOf(Buffer.from("x")), { expectedSize: 1, signal: AbortSignal.abort() }),
        "E_ABORTED",
      );
      expect(await store.list(prefix)).toEqual([]);
    });

    it("reports download progress and lets a reader stop early", async () => {
      const { store, partSize } = subject();
      const key = `${freshPrefix()}progress`;
      const data = testBytes(2 * partSize + 5);
      await store.put(key, chunksOf(data), { expectedSize: data.length });
      const seen: number[] = [];
      const got = await store.get(key, { onProgress: (n) => seen.push(n) });
      expectSameBytes(await collect(got.body), data);
      expect(seen.at(-1)).toBe(data.length);

      const partial = await store.get(key);
      for await (const chunk of partial.body) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    });
  });
}

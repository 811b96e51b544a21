// The filesystem store: the shared contract, then its layout and what a crash leaves behind.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunksOf, describeStoreContract, expectCode, expectSameBytes, freshPrefix, sha256Hex, testBytes } from "../store-contract.ts";
import { createFsStore } from "./create-fs-store.ts";

let root = "";
let contractRoot = ""; // its own directory, so the crash test's leftover cannot count against it
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nacre-fs-store-"));
  contractRoot = join(root, "contract");
  await mkdir(contractRoot);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describeStoreContract("fs store", () => ({
  store: createFsStore({ path: contractRoot }),
  partSize: 64 * 1024,
  leftovers: async () => (await filesUnder(contractRoot)).filter((f) => f.includes(".partial-")),
}));

describe("fs store", () => {
  it("describes itself by its directory", () => {
    expect(createFsStore({ path: root }).description).toBe(`fs:${root}`);
  });

  it("stores keys as subdirectories with a .meta.json sidecar", async () => {
    const store = createFsStore({ path: root });
    const prefix = freshPrefix();
    const data = testBytes(1234);
    await store.put(`${prefix}nightly/2024-05-01T03:00:00Z.nacre`, chunksOf(data), { expectedSize: 1234 });
    const dir = join(root, prefix, "nightly");
    expect(await readdir(dir)).toEqual(["2024-05-01T03:00:00Z.nacre", "2024-05-01T03:00:00Z.nacre.meta.json"]);
    expectSameBytes(await readFile(join(dir, "2024-05-01T03:00:00Z.nacre")), data);
    expect(JSON.parse(await readFile(join(dir, "2024-05-01T03:00:00Z.nacre.meta.json"), "utf8"))).toEqual({
      v: 1,
      size: 1234,
      sha256: sha256Hex(data),
    });
  });

  it("removes directories a delete leaves empty, but never the store's own directory", async () => {
    const store = createFsStore({ path: root });
    const prefix = freshPrefix();
    await store.put(`${prefix}a/b/c`, chunksOf(Buffer.from("x")), { expectedSize: 1 });
    await store.put(`${prefix}a/keep`, chunksOf(Buffer.from("y")), { expectedSize: 1 });
    await store.delete(`${prefix}a/b/c`);
    expect(await readdir(join(root, prefix, "a"))).toEqual(["keep", "keep.meta.json"]);
    await store.delete(`${prefix}a/keep`);
    await expect(stat(join(root, prefix))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it("refuses to work without its directory instead of creating it (E_NO_DIR)", async () => {
    const missing = join(root, "not-mounted");
    const store = createFsStore({ path: missing });
    await expectCode(store.put("k", chunksOf(Buffer.from("x")), { expectedSize: 1 }), "E_NO_DIR");
    await expectCode(store.list(""), "E_NO_DIR");
    await expect(stat(missing)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reports no checksum when the sidecar belongs to another version of the file", async () => {
    const store = createFsStore({ path: root });
    const key = `${freshPrefix()}stale`;
    await store.put(key, chunksOf(Buffer.from("old")), { expectedSize: 3 });
    await writeFile(join(root, key), "newer and longer");
    const info = await store.head(key);
    expect(info).toMatchObject({ size: 16, metadata: {} });
    expect(info?.sha256).toBeUndefined();
  });

  it("leaves only a .partial file, which list() ignores, when the writer is killed mid-put", async () => {
    const prefix = freshPrefix();
    const key = `${prefix}crashed`;
    const module = fileURLToPath(new URL("./create-fs-store.ts", import.meta.url));
    // A writer that streams forever; it reports once bytes are on disk, then gets SIGKILLed.
    const script = `
      import { createFsStore } from ${JSON.stringify(module)};
      const store = createFsStore({ path: ${JSON.stringify(root)} });
      async function* forever() { for (;;) { yield new Uint8Array(64 * 1024); await new Promise((r) => setTimeout(r, 5)); } }
      let told = false;
      await store.put(${JSON.stringify(key)}, forever(), {
        expectedSize: 1e9,
        onProgress: (n) => { if (!told && n > 256 * 1024) { told = true; process.stdout.write("writing\\n"); } },
      });`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const files = await filesUnder(join(root, prefix));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^crashed\.partial-[0-9a-f]{12}$/);
    const store = createFsStore({ path: root });
    expect(await store.list(prefix)).toEqual([]);
    expect(await store.list("")).not.toContainEqual(expect.objectContaining({ key }));
    expect(await store.head(key)).toBeNull();
    // a later put of the same key is unaffected by the leftover
    await store.put(key, chunksOf(Buffer.from("again")), { expectedSize: 5 });
    expect((await store.list(prefix)).map((o) => o.key)).toEqual([key]);
  });
});

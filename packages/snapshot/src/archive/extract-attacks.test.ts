// Hand-made hostile archives: each must be refused with its own code, and nothing may appear outside the
// target directory. The target sits in a sandbox next to a sentinel, so "outside" is observable.
import { readdir, readFile, readlink, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { extractArchive, listArchive } from "./index.ts";
import { paxData, rawArchive, rawHeader, tempDir } from "./test-helpers.ts";
import type { RawEntry } from "./test-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const file = (name: string, text = "pwned\n"): RawEntry => ({ name, type: "0", data: Buffer.from(text) });

/** Extracts `archive` into sandbox/target, expects `code`, and checks that the sandbox holds nothing new. */
async function expectRefused(archive: Buffer, code: string, opts: { alsoList?: boolean; outsideLinks?: "keep" } = {}): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  await mkdir(join(t.dir, "outside"));
  await writeFile(join(t.dir, "outside/sentinel"), "untouched");
  const target = join(t.dir, "target");
  await expect(extractArchive(Readable.from([archive]), target, { outsideLinks: opts.outsideLinks })).rejects.toMatchObject({ code });
  expect((await readdir(t.dir)).sort()).toEqual(["outside", "target"]);
  expect(await readdir(join(t.dir, "outside"))).toEqual(["sentinel"]);
  expect(await readFile(join(t.dir, "outside/sentinel"), "utf8")).toBe("untouched");
  if (opts.alsoList !== false) await expect(listArchive(Readable.from([archive]), { outsideLinks: opts.outsideLinks })).rejects.toMatchObject({ code });
  return t.dir;
}

describe("extractArchive refuses hostile archives", () => {
  it("../x", async () => {
    await expectRefused(rawArchive([file("../x")]), "E_UNSAFE_PATH");
  });

  it("an absolute path", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    // Absolute into a directory we can observe (as root, /etc/x would be writable too).
    await expectRefused(rawArchive([file(join(t.dir, "x"))]), "E_UNSAFE_PATH");
    expect(await readdir(t.dir)).toEqual([]);
  });

  it("a/../../x", async () => {
    await expectRefused(rawArchive([{ name: "a/", type: "5" }, file("a/../../x")]), "E_UNSAFE_PATH");
  });

  it("a pax path that escapes behind a harmless ustar name", async () => {
    await expectRefused(rawArchive([{ name: "PaxHeaders/x", type: "x", data: paxData({ path: "../../x" }) }, file("harmless")]), "E_UNSAFE_PATH");
  });

  it("a GNU long name that escapes", async () => {
    await expectRefused(rawArchive([{ name: "././@LongLink", type: "L", data: Buffer.from("../x\0") }, file("harmless")]), "E_UNSAFE_PATH");
  });

  it("symlink a -> /etc, then file a/passwd", async () => {
    await expectRefused(rawArchive([{ name: "a", type: "2", linkname: "/etc" }, file("a/passwd")]), "E_UNSAFE_LINK");
  });

  it("symlink a -> sub (inside), then file a/passwd: never written through a symlink", async () => {
    const sandbox = await expectRefused(rawArchive([{ name: "sub/", type: "5" }, { name: "a", type: "2", linkname: "sub" }, file("a/passwd")]), "E_UNSAFE_PATH");
    expect(await readdir(join(sandbox, "target"))).toEqual(["sub"]);
    expect(await readdir(join(sandbox, "target/sub"))).toEqual([]);
  });

  it("symlink a -> ../..", async () => {
    await expectRefused(rawArchive([{ name: "a", type: "2", linkname: "../.." }]), "E_UNSAFE_LINK");
  });

  it("symlinks that escape only when followed through each other (a -> ., b -> a/..)", async () => {
    await expectRefused(rawArchive([{ name: "a", type: "2", linkname: "." }, { name: "b", type: "2", linkname: "a/.." }]), "E_UNSAFE_LINK");
  });

  it("a hard link", async () => {
    await expectRefused(rawArchive([file("f"), { name: "h", type: "1", linkname: "f" }]), "E_UNSUPPORTED_ENTRY");
  });

  it("a character device and a FIFO", async () => {
    await expectRefused(rawArchive([{ name: "null", type: "3" }]), "E_UNSUPPORTED_ENTRY");
    await expectRefused(rawArchive([{ name: "pipe", type: "6" }]), "E_UNSUPPORTED_ENTRY");
  });

  it("a file replacing a directory, and a directory replacing a file", async () => {
    await expectRefused(rawArchive([{ name: "d/", type: "5" }, file("d/inner"), file("d")]), "E_DUPLICATE_ENTRY");
    await expectRefused(rawArchive([file("f"), { name: "f/", type: "5" }]), "E_DUPLICATE_ENTRY");
    await expectRefused(rawArchive([file("f"), file("f/child")]), "E_DUPLICATE_ENTRY");
  });

  it("a corrupt header checksum", async () => {
    const archive = rawArchive([file("ok"), file("bad")]);
    archive[1024 + 10] = 0x41; // a byte of the second header's name
    await expectRefused(archive, "E_ARCHIVE_CORRUPT");
  });

  it("a stream truncated inside a file", async () => {
    const archive = rawArchive([file("big", "x".repeat(5000))]);
    await expectRefused(archive.subarray(0, 512 + 2048), "E_ARCHIVE_TRUNCATED");
  });

  it("a stream truncated inside a header", async () => {
    await expectRefused(rawArchive([file("a"), file("b")]).subarray(0, 1024 + 100), "E_ARCHIVE_TRUNCATED");
  });

  it("missing end-of-archive blocks, or only one of them", async () => {
    await expectRefused(rawArchive([file("a")], { end: false }), "E_ARCHIVE_TRUNCATED");
    await expectRefused(Buffer.concat([rawArchive([file("a")], { end: false }), Buffer.alloc(512)]), "E_ARCHIVE_TRUNCATED");
  });

  it("extended headers that would pile up without bound", async () => {
    const records = paxData({ comment: "x".repeat(600 * 1024) });
    const x = { name: "PaxHeaders/x", type: "x", data: records };
    await expectRefused(rawArchive([x, x, file("f")]), "E_ARCHIVE_CORRUPT");
  });

  it("keeps outside symlinks only when asked, and still never writes through them", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const archive = rawArchive([
      { name: "abs", type: "2", linkname: "/does/not/exist" },
      { name: "up", type: "2", linkname: "../../elsewhere" },
      file("kept", "ok"),
    ]);
    await expect(listArchive(Readable.from([archive]))).rejects.toMatchObject({ code: "E_UNSAFE_LINK" });
    const listed = await listArchive(Readable.from([archive]), { outsideLinks: "keep" });
    expect(listed.map((e) => [e.path, e.linkpath])).toEqual([["abs", "/does/not/exist"], ["up", "../../elsewhere"], ["kept", undefined]]);
    const result = await extractArchive(Readable.from([archive]), join(t.dir, "out"), { outsideLinks: "keep" });
    expect(result).toMatchObject({ files: 1, symlinks: 2 });
    expect(await readlink(join(t.dir, "out/abs"))).toBe("/does/not/exist");
    // Writing below such a link is still refused.
    await expectRefused(rawArchive([{ name: "a", type: "2", linkname: "/etc" }, file("a/passwd")]), "E_UNSAFE_PATH", { outsideLinks: "keep" });
  });

  it("a non-empty target directory", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    await writeFile(join(t.dir, "existing"), "x");
    await expect(extractArchive(Readable.from([rawArchive([file("a")])]), t.dir)).rejects.toMatchObject({ code: "E_TARGET_NOT_EMPTY" });
  });

  it("accepts the same archive shapes when they are benign (control)", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const archive = rawArchive([
      { name: "sub/", type: "5" },
      file("sub/f", "ok"),
      { name: "a", type: "2", linkname: "sub" },
      { name: "sub/up", type: "2", linkname: "../sub/f" },
      { name: "PaxHeaders/x", type: "x", data: paxData({ path: "long/ünïcode" }) },
      file("ignored-name", "pax"),
    ]);
    const result = await extractArchive(Readable.from([archive]), join(t.dir, "out"));
    expect(result).toMatchObject({ files: 2, dirs: 1, symlinks: 2 });
    expect(await readFile(join(t.dir, "out/a/up"), "utf8")).toBe("ok");
    expect(await readFile(join(t.dir, "out/long/ünïcode"), "utf8")).toBe("pax");
    expect(rawHeader(file("x")).length).toBe(512);
  });
});

// What the writer does when the tree moves under it or cannot be read: explicit errors by default,
// warnings for what a live system legitimately does (files vanishing or changing size mid-read).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { appendFile, chmod, mkdir, readFile, readdir, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createArchiveStream, extractArchive, listArchive, measureRoots } from "./index.ts";
import type { ArchiveWarning } from "./index.ts";
import { emitFile } from "./emit-entry.ts";
import { openFile } from "./file-reader.ts";
import { TarOutput } from "./tar-output.ts";
import { collect, useScratchDirs } from "./test-helpers.ts";

const MiB = 1024 * 1024;
const { scratch } = useScratchDirs();

/**
 * Archives `src`, and once the first chunk has been produced (the writer is then held by backpressure
 * inside the first, large file) runs `meddle`. Returns the archive and the warnings.
 */
async function archiveWhile(src: string, meddle: () => Promise<void>): Promise<{ archive: Buffer; warnings: ArchiveWarning[] }> {
  const warnings: ArchiveWarning[] = [];
  const stream = createArchiveStream([{ name: "s", path: src }], { onWarning: (w) => warnings.push(w) });
  const parts: Buffer[] = [];
  for await (const chunk of stream) {
    if (parts.length === 0) await meddle();
    parts.push(chunk as Buffer);
  }
  return { archive: Buffer.concat(parts), warnings };
}

describe("archive warnings and errors", () => {
  it("skips a file or database that vanishes after listing with W_VANISHED", async () => {
    const src = await scratch();
    await writeFile(join(src, "a-big"), randomBytes(32 * MiB));
    // Right behind the big file, so usually already read ahead when it is deleted: its capture then
    // finds it gone (either way it must be a W_VANISHED, never a failed archive).
    const db = new DatabaseSync(join(src, "b.db"));
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    db.close();
    // More small files than the writer prepares ahead, so the last is opened only after `meddle`.
    for (let i = 0; i < 60; i++) await writeFile(join(src, `f-${String(i).padStart(2, "0")}`), `file ${i}`);
    const { archive, warnings } = await archiveWhile(src, async () => {
      await rm(join(src, "f-59"));
      await rm(join(src, "b.db"));
    });
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ["W_VANISHED", join(src, "b.db")],
      ["W_VANISHED", join(src, "f-59")],
    ]);
    const names = (await listArchive(Readable.from([archive]))).map((e) => e.path);
    expect(names).toContain("s/f-58");
    expect(names).not.toContain("s/f-59");
    expect(names).not.toContain("s/b.db");
  });

  it("keeps the archive valid when a file shrinks mid-read: announced size, zero padded, W_CHANGED", async () => {
    const src = await scratch();
    const data = randomBytes(64 * MiB);
    await writeFile(join(src, "a-big"), data);
    await writeFile(join(src, "b-after"), "still here");
    const { archive, warnings } = await archiveWhile(src, () => truncate(join(src, "a-big"), MiB));
    expect(warnings.map((w) => w.code)).toEqual(["W_CHANGED"]);
    const out = await scratch();
    await extractArchive(Readable.from([archive]), join(out, "x"));
    const restored = await readFile(join(out, "x/s/a-big"));
    expect(restored.length).toBe(64 * MiB);
    expect(restored.subarray(0, MiB).equals(data.subarray(0, MiB))).toBe(true);
    expect(restored.subarray(32 * MiB).equals(Buffer.alloc(32 * MiB))).toBe(true);
    expect(await readFile(join(out, "x/s/b-after"), "utf8")).toBe("still here");
  });

  it("cuts a file that grows mid-read to its announced size, with W_CHANGED", async () => {
    const src = await scratch();
    const data = randomBytes(16 * MiB);
    await writeFile(join(src, "a-big"), data);
    const { archive, warnings } = await archiveWhile(src, () => appendFile(join(src, "a-big"), randomBytes(MiB)));
    expect(warnings.map((w) => w.code)).toEqual(["W_CHANGED"]);
    const out = await scratch();
    await extractArchive(Readable.from([archive]), join(out, "x"));
    expect((await readFile(join(out, "x/s/a-big"))).equals(data)).toBe(true);
  });

  it("notices a small file that grew between its stat and its read, and stores the announced size", async () => {
    const src = await scratch();
    await writeFile(join(src, "f"), "0123456789abcdefghij");
    const fd = openSync(join(src, "f"), "r");
    try {
      // As if fstat had seen 10 bytes and the app appended 10 more before the read.
      const header = { path: "s/f", type: "file" as const, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 10, mtimeNs: 0n };
      const emit = (size: number): { bytes: Buffer; warnings: string[] } => {
        const out = new TarOutput();
        const buf = Buffer.alloc(4096);
        out.provide(buf);
        const warnings: string[] = [];
        const run = emitFile({ kind: "file", absPath: "f", fd, header: { ...header, size } }, out, { warn: (w) => warnings.push(w.code), progress: () => undefined }, true);
        expect(run.next()).toEqual({ done: true, value: "done" });
        return { bytes: buf.subarray(0, out.take()), warnings };
      };
      const grown = emit(10);
      expect(grown.warnings).toEqual(["W_CHANGED"]);
      expect(grown.bytes.length).toBe(1024);
      expect(grown.bytes.subarray(512, 522).toString()).toBe("0123456789");
      expect(grown.bytes.subarray(522).equals(Buffer.alloc(502))).toBe(true);
      expect(emit(20).warnings).toEqual([]);
    } finally {
      closeSync(fd);
    }
  });

  it("opens regular files only, without following a symlink swapped in, and reports errors by code", async () => {
    const src = await scratch();
    await writeFile(join(src, "small"), "hello");
    await mkdir(join(src, "dir"));
    await symlink("small", join(src, "link"));
    const small = openFile(join(src, "small"), false);
    expect(small).toMatchObject({ kind: "file", stat: { size: 5 } });
    if (small.kind === "file") closeSync(small.fd);
    expect(openFile(join(src, "dir"), false)).toEqual({ kind: "not-file" });
    expect(() => openFile(join(src, "link"), false)).toThrow(expect.objectContaining({ code: "ELOOP" }));
    expect(() => openFile(join(src, "missing"), false)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    // A root given as a symlink is followed on purpose.
    const root = openFile(join(src, "link"), true);
    expect(root).toMatchObject({ kind: "file", stat: { size: 5 } });
    if (root.kind === "file") closeSync(root.fd);
  });

  it("fails with E_ROOT_MISSING for a missing root", async () => {
    const base = await scratch();
    await expect(collect(createArchiveStream([{ name: "state", path: join(base, "nope") }]))).rejects.toMatchObject({ code: "E_ROOT_MISSING" });
    await expect(measureRoots([{ name: "state", path: join(base, "nope") }])).rejects.toMatchObject({ code: "E_ROOT_MISSING" });
  });

  it("rejects overlapping or malformed root names up front", () => {
    expect(() => createArchiveStream([{ name: "extra", path: "/a" }, { name: "extra-1", path: "/c" }, { name: "extra/0", path: "/b" }])).toThrow(/E_ROOT_INVALID/);
    expect(() => createArchiveStream([{ name: "../x", path: "/a" }])).toThrow(/E_ROOT_INVALID/);
  });

  it("stops with E_ABORTED when the signal fires, and removes its SQLite staging", async () => {
    const src = await scratch();
    const staging = await scratch();
    const db = new DatabaseSync(join(src, "a.db"));
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    db.close();
    await writeFile(join(src, "b-big"), randomBytes(16 * MiB));
    const controller = new AbortController();
    const stream = createArchiveStream([{ name: "s", path: src }], { signal: controller.signal, tempDir: staging });
    let seen = 0;
    let stagingDuringRun: string[] = [];
    const consumed = (async () => {
      for await (const chunk of stream) {
        seen += (chunk as Buffer).length;
        // Past the database, inside the big file: the staging directory exists until the stream ends.
        if (seen > 2 * MiB && stagingDuringRun.length === 0) {
          stagingDuringRun = await readdir(staging);
          controller.abort();
        }
      }
    })();
    await expect(consumed).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(stagingDuringRun).toHaveLength(1);
    expect(await readdir(staging)).toEqual([]);
  });

  it("fails with E_UNREADABLE on a file it cannot read, or warns W_UNREADABLE when asked", async () => {
    const src = await scratch();
    await chmod(src, 0o755);
    await mkdir(join(src, "d"), { mode: 0o755 });
    await writeFile(join(src, "d/locked"), "secret");
    await chmod(join(src, "d/locked"), 0o000);
    await writeFile(join(src, "d/open"), "fine");
    await chmod(join(src, "d/open"), 0o644);
    // A database too, so the SQLite integrity thread also runs under the child's ESM evaluation.
    const db = new DatabaseSync(join(src, "d/app.db"));
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    db.close();
    await chmod(join(src, "d/app.db"), 0o644);
    const run = (unreadable: "error" | "warn"): { code?: string; path?: string; warnings?: string[] } => {
      // Root reads everything, so as root the archive runs in a child process as nobody.
      const script = `
        import { createArchiveStream } from ${JSON.stringify(fileURLToPath(new URL("./index.ts", import.meta.url)))};
        const warnings = [];
        try {
          for await (const _ of createArchiveStream([{ name: "s", path: ${JSON.stringify(src)} }], { unreadable: ${JSON.stringify(unreadable)}, onWarning: (w) => warnings.push(w.code) }));
          console.log(JSON.stringify({ warnings }));
        } catch (err) { console.log(JSON.stringify({ code: err.code, path: err.path })); }`;
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { ...asNobody, cwd: "/" }).toString();
      return JSON.parse(out) as { code?: string; path?: string; warnings?: string[] };
    };
    expect(run("error")).toEqual({ code: "E_UNREADABLE", path: join(src, "d/locked") });
    expect(run("warn")).toEqual({ warnings: ["W_UNREADABLE"] });
  });

  it("measures the files and bytes the archive will carry", async () => {
    const src = await scratch();
    await mkdir(join(src, "a/b"), { recursive: true });
    await writeFile(join(src, "a/b/one"), "12345");
    await writeFile(join(src, "a/two"), randomBytes(3 * MiB));
    await writeFile(join(src, "skip.log"), "xx");
    expect(await measureRoots([{ name: "s", path: src }], { exclude: ["*.log"] })).toEqual({ files: 2, bytes: 5 + 3 * MiB });
  });
});

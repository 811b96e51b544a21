import { link, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { buildFixtureTree, DEEP_FILE, LONG_NAME } from "./fixture-tree.ts";
import { createArchiveStream, extractArchive, listArchive, measureRoots } from "./index.ts";
import type { ArchiveWarning } from "./index.ts";
import { collect, diffTrees, snapshotTree, useScratchDirs } from "./test-helpers.ts";

const { scratch, defer } = useScratchDirs();

describe("archive round trip", () => {
  it("restores the tree identically: content, modes, mtimes, links, unicode and long names", async () => {
    const base = await scratch();
    const src = join(base, "src");
    await mkdir(src);
    const fixture = await buildFixtureTree(src, { specials: true, excluded: true });
    defer(fixture.close);
    const expected = await snapshotTree(src);
    for (const skipped of fixture.skipped) expected.delete(skipped);

    const warnings: ArchiveWarning[] = [];
    const archive = await collect(
      createArchiveStream([{ name: "state", path: src }], { exclude: ["state/cache/", "*.log"], onWarning: (w) => warnings.push(w) }),
    );
    const out = join(base, "out");
    const result = await extractArchive(Readable.from([archive]), out);

    const restored = await snapshotTree(join(out, "state"));
    expect(diffTrees(expected, restored)).toEqual([]);
    // The symlinked directory is stored as a link, its content is not duplicated.
    expect(restored.get("link-to-dir")).toMatchObject({ type: "symlink", target: "nested" });
    expect([...restored.keys()].some((p) => p.startsWith("link-to-dir/"))).toBe(false);
    expect(restored.has(LONG_NAME) && restored.has(DEEP_FILE) && restored.has("日本/メモ.md") && restored.has("emoji-🎉.txt")).toBe(true);
    expect(warnings.map((w) => [w.code, w.path.slice(src.length + 1)]).sort()).toEqual([
      ["W_SKIPPED_SPECIAL", "fifo"],
      ["W_SKIPPED_SPECIAL", "socket"],
    ]);
    expect(result).toMatchObject({ files: 12, symlinks: 5 });
    expect(restored.get("long-link")?.target).toBe(DEEP_FILE);
    expect(restored.get("unicode-link")?.target).toBe("日本/メモ.md");
  });

  it("lists sub-second and whole-second mtimes and modes as stored", async () => {
    const base = await scratch();
    await mkdir(join(base, "src"));
    await buildFixtureTree(join(base, "src"));
    const list = await listArchive(createArchiveStream([{ name: "s", path: join(base, "src") }]));
    const byPath = new Map(list.map((e) => [e.path, e]));
    expect(byPath.get("s/secret")?.mtime.getTime()).toBe(1_700_000_000_000);
    expect(byPath.get("s/nested/a/b/c/deep.txt")?.mtime.getTime()).toBe(1_600_000_000_123);
    expect(byPath.get("s/secret")?.mode).toBe(0o600);
  });

  it("puts several roots under their names, a single-file root included", async () => {
    const base = await scratch();
    await mkdir(join(base, "state/agents"), { recursive: true });
    await writeFile(join(base, "state/openclaw.json"), "{}");
    await mkdir(join(base, "ws/memory"), { recursive: true });
    await writeFile(join(base, "ws/memory/2026-01-01.md"), "# day\n");
    await mkdir(join(base, "extra0/sub"), { recursive: true });
    await writeFile(join(base, "extra0/sub/f"), "f");
    await writeFile(join(base, "single.txt"), "one file");
    const roots = [
      { name: "workspace", path: join(base, "ws") },
      { name: "state", path: join(base, "state") },
      { name: "extra/0", path: join(base, "extra0") },
      { name: "extra/1", path: join(base, "single.txt") },
    ];
    const list = await listArchive(createArchiveStream(roots));
    expect(list.map((e) => `${e.type}:${e.path}`)).toEqual([
      "dir:extra/0",
      "dir:extra/0/sub",
      "file:extra/0/sub/f",
      "file:extra/1",
      "dir:state",
      "dir:state/agents",
      "file:state/openclaw.json",
      "dir:workspace",
      "dir:workspace/memory",
      "file:workspace/memory/2026-01-01.md",
    ]);
    const out = join(base, "out");
    await extractArchive(createArchiveStream(roots), out);
    const restored = await snapshotTree(out);
    expect(restored.get("extra/1")?.size).toBe(8);
    expect(restored.get("workspace/memory/2026-01-01.md")?.size).toBe(6);
  });

  it("reports extraction progress and stops with E_ABORTED when its signal fires", async () => {
    const base = await scratch();
    await mkdir(join(base, "src"));
    await buildFixtureTree(join(base, "src"));
    const archive = await collect(createArchiveStream([{ name: "s", path: join(base, "src") }]));
    const progress: number[] = [];
    await extractArchive(Readable.from([archive]), join(base, "a"), { onProgress: (p) => progress.push(p.files) });
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const controller = new AbortController();
    const extracting = extractArchive(Readable.from([archive]), join(base, "b"), {
      signal: controller.signal,
      onProgress: (p) => p.files === 3 && controller.abort(),
    });
    await expect(extracting).rejects.toMatchObject({ code: "E_ABORTED" });
  });

  it("orders entries by name bytes, whatever order the directory lists them in", async () => {
    const base = await scratch();
    const names = ["é", "b", "a.b", "a-b", "_", "Z", "B", "a", "10", "9"];
    for (const name of names) await writeFile(join(base, name), name);
    await mkdir(join(base, "a.d"));
    await writeFile(join(base, "a.d", "x"), "x");
    const list = await listArchive(createArchiveStream([{ name: "r", path: base }]));
    expect(list.map((e) => e.path)).toEqual(["r", "r/10", "r/9", "r/B", "r/Z", "r/_", "r/a", "r/a-b", "r/a.b", "r/a.d", "r/a.d/x", "r/b", "r/é"]);
  });

  it("writes byte-identical archives of an unchanged tree", async () => {
    const base = await scratch();
    await mkdir(join(base, "src"));
    await buildFixtureTree(join(base, "src"));
    const roots = [{ name: "state", path: join(base, "src") }];
    const a = await collect(createArchiveStream(roots));
    const b = await collect(createArchiveStream(roots));
    expect(a.equals(b)).toBe(true);
    expect(a.length % 512).toBe(0);
  });

  it("excludes gitignore-style: unanchored names at any depth, anchored paths, directories not descended", async () => {
    const base = await scratch();
    for (const rel of ["a/tmp/x", "a/b/tmp/y", "a/keep.txt", "a/node_modules/m/index.js", "b/cache/z", "a/cache/kept", "trace.log"]) {
      await mkdir(join(base, "src", rel, ".."), { recursive: true });
      await writeFile(join(base, "src", rel), rel);
    }
    const roots = [{ name: "ws", path: join(base, "src") }];
    const exclude = ["tmp/", "node_modules", "ws/b/cache", "*.log"];
    const list = await listArchive(createArchiveStream(roots, { exclude }));
    // a/b stays (now empty): only its tmp/ child is excluded.
    expect(list.map((e) => e.path)).toEqual(["ws", "ws/a", "ws/a/b", "ws/a/cache", "ws/a/cache/kept", "ws/a/keep.txt", "ws/b"]);
    expect(await measureRoots(roots, { exclude })).toEqual({ files: 2, bytes: "a/cache/kept".length + "a/keep.txt".length });
  });

  it("archives hard links as independent regular files and follows only a symlinked root", async () => {
    const base = await scratch();
    await mkdir(join(base, "real/d"), { recursive: true });
    await writeFile(join(base, "real/d/one"), "same inode");
    await link(join(base, "real/d/one"), join(base, "real/d/two"));
    await symlink(join(base, "real"), join(base, "root-link"));
    const list = await listArchive(createArchiveStream([{ name: "r", path: join(base, "root-link") }]));
    expect(list.map((e) => [e.path, e.type, e.size])).toEqual([
      ["r", "dir", 0],
      ["r/d", "dir", 0],
      ["r/d/one", "file", 10],
      ["r/d/two", "file", 10],
    ]);
  });
});

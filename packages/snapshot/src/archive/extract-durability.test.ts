// How a restore reaches the disk: one filesystem flush through `sync -f` where that is as strong as fsync,
// fsync of every file and directory otherwise or when the flush cannot be done. Either way the restored
// tree is the same, modes and mtimes included, also for modes that deny the owner access.
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { BackgroundFlush, kernelAtLeast, syncFileSystem } from "./durability.ts";
import { fsyncTree } from "./fsync-tree.ts";
import { extractArchive } from "./index.ts";
import { rawArchive, snapshotTree, tempDir } from "./test-helpers.ts";
import type { RawEntry } from "./test-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A scratch directory; `locked` lists directories to open up again so it can be removed. */
async function scratch(locked: string[] = []): Promise<string> {
  const t = await tempDir();
  cleanups.push(async () => {
    for (const dir of locked) await chmod(join(t.dir, dir), 0o700).catch(() => undefined);
    await t.cleanup();
  });
  return t.dir;
}

/** Runs `fn` with a PATH that has no `sync` on it, as on a system without coreutils. */
async function withoutSync<T>(fn: () => Promise<T>): Promise<T> {
  const empty = await mkdtemp(join(tmpdir(), "nacre-nopath-"));
  const saved = process.env.PATH;
  process.env.PATH = empty;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
    await rm(empty, { recursive: true, force: true });
  }
}

/** Runs `fn` with a `sync` first on the PATH that logs its arguments and exits with `code`s in turn (then 0). */
async function withLoggingSync<T>(codes: number[], fn: (calls: () => Promise<string[]>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "nacre-sync-"));
  const log = join(dir, "calls");
  const script = [
    "#!/bin/sh",
    `n=$(cat '${log}' 2>/dev/null | wc -l)`,
    `echo "$*" >> '${log}'`,
    "sleep 0.05",
    `exit $(echo '${codes.join(" ")}' | awk -v n="$n" '{ print ($(n + 1) == "" ? 0 : $(n + 1)) }')`,
  ].join("\n");
  await writeFile(join(dir, "sync"), script + "\n", { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved}`;
  try {
    return await fn(async () => (existsSync(log) ? (await readFile(log, "utf8")).trim().split("\n") : []));
  } finally {
    process.env.PATH = saved;
    await rm(dir, { recursive: true, force: true });
  }
}

const file = (name: string, data: string | Buffer, mode = 0o644): RawEntry => ({ name, type: "0", data: Buffer.from(data), mode });
const modeOf = async (path: string): Promise<number> => (await lstat(path)).mode & 0o7777;

describe("durability of an extraction", () => {
  it("restores the same tree through the filesystem flush and through per-file fsync (no sync binary)", async () => {
    const base = await scratch();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const archive = rawArchive([
      { name: "d/", type: "5", mode: 0o750 },
      file("d/a.txt", "alpha", 0o600),
      file("d/ro.txt", "read only", 0o444),
      { name: "d/e/", type: "5", mode: 0o755 },
      file("d/e/empty", ""),
      { name: "d/link", type: "2", linkname: "a.txt" },
      file("big.bin", big),
    ]);
    await extractArchive(Readable.from([archive]), join(base, "flushed"));
    await withoutSync(() => extractArchive(Readable.from([archive]), join(base, "fsynced")));
    const flushed = await snapshotTree(join(base, "flushed"));
    expect(await snapshotTree(join(base, "fsynced"))).toEqual(flushed);
    expect([...flushed.keys()].sort()).toEqual(["big.bin", "d", "d/a.txt", "d/e", "d/e/empty", "d/link", "d/ro.txt"]);
    expect(flushed.get("d/ro.txt")?.mode).toBe(0o444);
    expect((await readFile(join(base, "fsynced/big.bin"))).equals(big)).toBe(true);
  });

  it("falls back to fsync also for a file and a directory whose modes deny their owner", async () => {
    const base = await scratch(["out/locked"]);
    const archive = rawArchive([
      file("secret", "no access", 0o000),
      { name: "locked/", type: "5", mode: 0o000 },
      file("locked/inside", "behind a closed door", 0o600),
    ]);
    const result = await withoutSync(() => extractArchive(Readable.from([archive]), join(base, "out")));
    expect(result).toMatchObject({ files: 2, dirs: 1 });
    expect(await modeOf(join(base, "out/secret"))).toBe(0o000);
    expect(await modeOf(join(base, "out/locked"))).toBe(0o000);
    expect((await lstat(join(base, "out/locked"))).mtimeMs).toBe(1_700_000_000_000);
    await chmod(join(base, "out/locked"), 0o700);
    expect(await readFile(join(base, "out/locked/inside"), "utf8")).toBe("behind a closed door");
  });

  it("fsyncTree leaves modes and mtimes as they were and never follows a symlink", async () => {
    const base = await scratch(["tree/locked"]);
    const tree = join(base, "tree");
    await mkdir(join(tree, "locked/deeper"), { recursive: true });
    await writeFile(join(tree, "locked/deeper/f"), "data");
    await writeFile(join(tree, "none"), "data");
    await symlink("/nonexistent/target", join(tree, "dangling"));
    await chmod(join(tree, "none"), 0o000);
    await chmod(join(tree, "locked"), 0o000);
    for (const p of ["none", "locked"]) await utimes(join(tree, p), 1_600_000_000, 1_600_000_000);
    await fsyncTree(tree);
    for (const p of ["none", "locked"]) {
      expect(await modeOf(join(tree, p))).toBe(0o000);
      expect((await lstat(join(tree, p))).mtimeMs).toBe(1_600_000_000_000);
    }
    expect((await lstat(join(tree, "dangling"))).isSymbolicLink()).toBe(true);
  });

  it("reports whether the flush happened: true with sync on the PATH, false without", async () => {
    const base = await scratch();
    expect(await syncFileSystem(base)).toBe(true);
    expect(await withoutSync(() => syncFileSystem(base))).toBe(false);
  });

  it("flushes in the background as bytes are written, one flush at a time", async () => {
    const base = await scratch();
    await withLoggingSync([], async (calls) => {
      const flush = new BackgroundFlush(base, undefined, 1000);
      flush.wrote(999);
      expect(await calls()).toEqual([]);
      flush.wrote(1000);
      flush.wrote(5000); // the first is still running: not a second one
      expect(await flush.settled()).toBe(true);
      flush.wrote(5000);
      expect(await flush.settled()).toBe(true);
      flush.wrote(5999); // under 1000 bytes since the last start
      expect(await flush.settled()).toBe(true);
      expect(await calls()).toEqual([`-f ${base}`, `-f ${base}`]);
    });
  });

  it("stops flushing after a failed flush and reports it, so the end fsyncs every file", async () => {
    const base = await scratch();
    await withLoggingSync([1], async (calls) => {
      const flush = new BackgroundFlush(base, undefined, 1000);
      flush.wrote(1000);
      expect(await flush.settled()).toBe(false);
      flush.wrote(10_000);
      expect(await flush.settled()).toBe(false);
      expect(await calls()).toHaveLength(1);
    });
  });

  it("restores the tree by per-file fsync, without a last flush, when a background flush failed", async () => {
    const base = await scratch();
    // Over 256 MiB of data, so a background flush starts during the extraction.
    const big = Buffer.alloc(300 * 1024 * 1024, 1);
    const archive = rawArchive([file("big.bin", big), file("small.txt", "after the flush started")]);
    await withLoggingSync([1], async (calls) => {
      await extractArchive(Readable.from([archive]), join(base, "out"));
      // The failed background flush was the only one: the end fsynced file by file instead.
      expect(await calls()).toHaveLength(1);
    });
    expect((await readFile(join(base, "out/small.txt"), "utf8")).toString()).toBe("after the flush started");
    expect((await lstat(join(base, "out/big.bin"))).size).toBe(big.length);
  });

  it("compares kernel releases", () => {
    expect(kernelAtLeast("5.8.0-63-generic", 5, 8)).toBe(true);
    expect(kernelAtLeast("6.1.0", 5, 8)).toBe(true);
    expect(kernelAtLeast("5.4.0-150-generic", 5, 8)).toBe(false);
    expect(kernelAtLeast("4.19.325", 5, 8)).toBe(false);
    expect(kernelAtLeast("not a release", 5, 8)).toBe(false);
  });
});

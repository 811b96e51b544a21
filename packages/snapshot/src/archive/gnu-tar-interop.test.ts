// Our archives must be ordinary tar files (a customer restores them with GNU tar), and our extractor must
// read what ordinary tools write (pax and GNU formats, GNU long-name records, "./" prefixes).
import { spawn, execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import { buildFixtureTree, DEEP_FILE, LONG_NAME } from "./fixture-tree.ts";
import { createArchiveStream, extractArchive, listArchive } from "./index.ts";
import { collect, diffTrees, snapshotTree, tempDir } from "./test-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fixture(): Promise<{ base: string; src: string }> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const src = join(t.dir, "src");
  await mkdir(src);
  await buildFixtureTree(src);
  return { base: t.dir, src };
}

function gnuTar(args: string[], input?: Buffer): Buffer {
  return execFileSync("tar", args, { input, maxBuffer: 64 * 1024 * 1024 });
}

describe("GNU tar interop", () => {
  it("GNU tar lists and extracts our archive to the same tree", async () => {
    const { base, src } = await fixture();
    const archive = await collect(createArchiveStream([{ name: "state", path: src }]));
    const names = gnuTar(["-tf", "-"], archive).toString("utf8").trim().split("\n");
    const ours = (await listArchive(Readable.from([archive]))).map((e) => (e.type === "dir" ? `${e.path}/` : e.path));
    expect(names).toEqual(ours);
    expect(names).toContain(`state/${LONG_NAME}`);
    expect(names).toContain(`state/${DEEP_FILE}`);

    const out = join(base, "gnu-out");
    await mkdir(out);
    // Piped through stdin as the brief's `tar -xf - -C dir`, and GNU tar must not complain (exit 0, no stderr).
    const child = spawn("tar", ["-xf", "-", "-C", out], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => child.on("close", r));
    await pipeline(createArchiveStream([{ name: "state", path: src }]), child.stdin);
    expect(await exit).toBe(0);
    expect(stderr).toBe("");
    expect(diffTrees(await snapshotTree(src), await snapshotTree(join(out, "state")))).toEqual([]);
  });

  it("we extract GNU tar's --format=pax archive of the same tree identically", async () => {
    const { base, src } = await fixture();
    const archive = gnuTar(["--format=pax", "-cf", "-", "-C", base, "src"]);
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    expect(diffTrees(await snapshotTree(src), await snapshotTree(join(out, "src")))).toEqual([]);
  });

  it("we extract GNU tar's default (gnu) format: long-name records, whole-second mtimes, ./ prefixes", async () => {
    const { base, src } = await fixture();
    const archive = gnuTar(["-cf", "-", "-C", src, "."]);
    // The gnu format stores names over 100 bytes in ././@LongLink records: make sure this one has them.
    expect(archive.includes(Buffer.from("././@LongLink"))).toBe(true);
    const out = join(base, "out");
    const result = await extractArchive(Readable.from([archive]), out);
    const expected = await snapshotTree(src);
    const restored = await snapshotTree(out);
    // gnu headers hold whole seconds only.
    for (const info of [...expected.values(), ...restored.values()]) info.mtimeNs -= info.mtimeNs % 1_000_000_000n;
    expect(diffTrees(expected, restored)).toEqual([]);
    expect(result.files).toBe(12);
  });
});

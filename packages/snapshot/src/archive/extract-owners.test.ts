// Restoring owners: the managed agent restores a VM's data as root for an app that runs as its own
// user, so with owners: "archive" every file, directory and symlink gets back the uid and gid it was
// archived with; by default (the self-hosted CLI) everything belongs to whoever runs the restore.
import { chown, lchown, lstat, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createArchiveStream, extractArchive } from "./index.ts";
import { collect, useScratchDirs } from "./test-helpers.ts";

const { scratch } = useScratchDirs();
const isRoot = process.getuid?.() === 0;

async function ownedTree(dir: string): Promise<void> {
  await mkdir(join(dir, "workspace", "memory"), { recursive: true });
  await writeFile(join(dir, "workspace", "memory", "today.md"), "remember this\n");
  await writeFile(join(dir, "workspace", "other-owner.txt"), "x");
  await symlink("memory/today.md", join(dir, "workspace", "latest"));
  await chown(join(dir, "workspace"), 1234, 5678);
  await chown(join(dir, "workspace", "memory"), 1234, 5678);
  await chown(join(dir, "workspace", "memory", "today.md"), 1234, 5678);
  await chown(join(dir, "workspace", "other-owner.txt"), 4321, 8765);
  await lchown(join(dir, "workspace", "latest"), 1234, 5678);
}

const owner = async (path: string): Promise<[number, number]> => {
  const st = await lstat(path);
  return [st.uid, st.gid];
};

describe.skipIf(!isRoot)("extracting owners (needs root to chown)", () => {
  it('owners: "archive" gives files, directories and symlinks back their recorded uid and gid', async () => {
    const base = await scratch();
    const src = join(base, "src");
    await ownedTree(src);
    const archive = await collect(createArchiveStream([{ name: "data", path: src }]));
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out, { owners: "archive" });
    expect(await owner(join(out, "data", "workspace"))).toEqual([1234, 5678]);
    expect(await owner(join(out, "data", "workspace", "memory"))).toEqual([1234, 5678]);
    expect(await owner(join(out, "data", "workspace", "memory", "today.md"))).toEqual([1234, 5678]);
    expect(await owner(join(out, "data", "workspace", "other-owner.txt"))).toEqual([4321, 8765]);
    expect(await owner(join(out, "data", "workspace", "latest"))).toEqual([1234, 5678]);
  });

  it("by default everything belongs to the user running the restore", async () => {
    const base = await scratch();
    const src = join(base, "src");
    await ownedTree(src);
    const archive = await collect(createArchiveStream([{ name: "data", path: src }]));
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    expect(await owner(join(out, "data", "workspace", "memory", "today.md"))).toEqual([0, 0]);
    expect(await owner(join(out, "data", "workspace", "latest"))).toEqual([0, 0]);
  });
});

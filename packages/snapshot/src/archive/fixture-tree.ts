// The tree the round-trip and interop tests archive: every kind of entry the writer must keep faithfully,
// plus (on request) special files it must skip and files the exclude patterns must drop.
import { randomBytes } from "node:crypto";
import { chmod, lutimes, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import type { Server } from "node:net";
import { join } from "node:path";
import { makeFifo, makeSocket } from "./test-helpers.ts";

export const LONG_NAME = `${"n".repeat(146)}.txt`; // 150 bytes
export const DEEP_DIRS = Array.from({ length: 6 }, (_, i) => `level-${i}-${"d".repeat(40)}`);
export const DEEP_FILE = `long/${DEEP_DIRS.join("/")}/deep-file.txt`; // > 300 bytes

export interface FixtureOptions {
  /** Add a FIFO and a unix socket (GNU tar archives FIFOs, so interop fixtures leave them out). */
  specials?: boolean;
  /** Add a cache/ directory and *.log files, for exclude patterns to drop. */
  excluded?: boolean;
}

export interface Fixture {
  /** Paths (relative) that must not appear in the archive. */
  skipped: string[];
  close: () => Promise<void>;
}

/** Builds the fixture tree in `dir` (which must exist and be empty). */
export async function buildFixtureTree(dir: string, opts: FixtureOptions = {}): Promise<Fixture> {
  const p = (rel: string): string => join(dir, rel);
  const files: Array<[string, Buffer | string, number?]> = [
    ["nested/a/b/c/deep.txt", "deep\n"],
    ["empty-file", ""],
    ["café.txt", "accent\n"],
    ["日本/メモ.md", "# メモ\n"],
    ["emoji-🎉.txt", "party\n"],
    [LONG_NAME, "long name\n"],
    [DEEP_FILE, "deep path\n"],
    ["secret", "s3cret\n", 0o600],
    ["script.sh", "#!/bin/sh\necho hi\n", 0o755],
    ["shared", "shared\n", 0o640],
    ["private-dir/inside.txt", "inside\n"],
    ["blob.bin", randomBytes(3 * 1024 * 1024 + 123)],
  ];
  const skipped: string[] = [];
  if (opts.excluded) {
    files.push(["cache/big.tmp", randomBytes(4096)], ["cache/sub/x", "x"], ["app.log", "log\n"], ["nested/a/debug.log", "log\n"]);
    skipped.push("cache", "cache/big.tmp", "cache/sub", "cache/sub/x", "app.log", "nested/a/debug.log");
  }
  for (const [rel, data, mode] of files) {
    await mkdir(join(p(rel), ".."), { recursive: true });
    await writeFile(p(rel), data);
    if (mode !== undefined) await chmod(p(rel), mode);
  }
  await mkdir(p("empty-dir"));
  await chmod(p("private-dir"), 0o750);
  await symlink("nested/a/b/c/deep.txt", p("link-to-file"));
  await symlink("nested", p("link-to-dir"));
  await symlink("does-not-exist", p("dangling"));
  // Targets a ustar header cannot hold: over 100 bytes, and non-ASCII (pax linkpath).
  await symlink(DEEP_FILE, p("long-link"));
  await symlink("日本/メモ.md", p("unicode-link"));

  let server: Server | undefined;
  if (opts.specials) {
    makeFifo(p("fifo"));
    server = await makeSocket(p("socket"));
    skipped.push("fifo", "socket");
  }

  // Times last, deepest first, since creating children changes a directory's mtime.
  let i = 0;
  const links = ["link-to-file", "link-to-dir", "dangling", "long-link", "unicode-link"];
  const all = [...files.map(([rel]) => rel), ...links];
  for (const rel of all) {
    // A whole second, a millisecond time as `touch -d` or a Date gives (stored as ...677999973 ns), and
    // microsecond ones.
    const t = rel === "secret" ? 1_700_000_000 : rel === "shared" ? 1_735_787_045.678 : 1_600_000_000.123456 + 1000 * i++;
    await (links.includes(rel) ? lutimes : utimes)(p(rel), t, t);
  }
  const dirs = new Set<string>(["empty-dir"]);
  for (const rel of all) for (let d = rel; d.includes("/"); ) dirs.add((d = d.slice(0, d.lastIndexOf("/"))));
  for (const rel of [...dirs].sort().reverse()) await utimes(p(rel), 1_650_000_000.5, 1_650_000_000.5);

  return { skipped, close: async () => void (await new Promise((r) => (server ? server.close(r) : r(undefined)))) };
}

// Shared fixtures for the archive tests: temp dirs, tree snapshots to compare, stream collection, special
// files, and a tiny independent ustar writer for hand-made (hostile) archives.
import { afterEach } from "vitest";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

export interface NodeInfo {
  type: "file" | "dir" | "symlink";
  mode: number;
  mtimeNs: bigint;
  size: number;
  sha256?: string;
  target?: string;
}

/** A fresh temp directory and a cleanup function. */
export async function tempDir(prefix = "nacre-archive-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every entry below `root` (relative path → metadata), skipping FIFOs and sockets. */
/** Fresh temp dirs for a test file (`scratch`) and other cleanups (`defer`), all undone after each test. */
export function useScratchDirs(): { scratch: () => Promise<string>; defer: (cleanup: () => Promise<void>) => void } {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  return {
    scratch: async () => {
      const t = await tempDir();
      cleanups.push(t.cleanup);
      return t.dir;
    },
    defer: (cleanup) => cleanups.push(cleanup),
  };
}

export async function snapshotTree(root: string): Promise<Map<string, NodeInfo>> {
  const out = new Map<string, NodeInfo>();
  async function visit(rel: string): Promise<void> {
    const abs = rel === "" ? root : join(root, rel);
    for (const name of (await readdir(abs)).sort()) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const childAbs = join(root, childRel);
      const st = await lstat(childAbs, { bigint: true });
      const base = { mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs };
      if (st.isDirectory()) {
        out.set(childRel, { type: "dir", ...base, size: 0 });
        await visit(childRel);
      } else if (st.isSymbolicLink()) {
        out.set(childRel, { type: "symlink", ...base, size: 0, target: await readlink(childAbs) });
      } else if (st.isFile()) {
        const data = await readFile(childAbs);
        out.set(childRel, { type: "file", ...base, size: data.length, sha256: createHash("sha256").update(data).digest("hex") });
      }
    }
  }
  await visit("");
  return out;
}

/**
 * Differences between two snapshots, as readable lines. Mtimes must match to the nanosecond by default:
 * the fixtures set them through utimes (a double), which a restore reproduces exactly.
 */
export function diffTrees(expected: Map<string, NodeInfo>, actual: Map<string, NodeInfo>, opts: { slackNs?: bigint } = {}): string[] {
  const slack = opts.slackNs ?? 0n;
  const lines: string[] = [];
  for (const [path, e] of expected) {
    const a = actual.get(path);
    if (!a) {
      lines.push(`missing ${path}`);
      continue;
    }
    for (const key of ["type", "mode", "size", "sha256", "target"] as const) {
      if (e[key] !== a[key]) lines.push(`${path}: ${key} ${String(e[key])} != ${String(a[key])}`);
    }
    const delta = e.mtimeNs > a.mtimeNs ? e.mtimeNs - a.mtimeNs : a.mtimeNs - e.mtimeNs;
    if (delta > slack) lines.push(`${path}: mtime ${e.mtimeNs} != ${a.mtimeNs}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) lines.push(`unexpected ${path}`);
  return lines;
}

/** Reads a whole stream into one buffer (small archives only). */
export async function collect(stream: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** Creates a FIFO with mkfifo(1). */
export function makeFifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** Creates a listening unix socket at `path`; close the server when done. */
export function makeSocket(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
}

export interface RawEntry {
  name: string;
  /** Tar type flag: "0" file, "1" hard link, "2" symlink, "3" char device, "5" dir, "6" FIFO, "x", "L". */
  type: string;
  data?: Buffer;
  linkname?: string;
  mode?: number;
}

/** A ustar header block written independently of the code under test. */
export function rawHeader(e: RawEntry): Buffer {
  const b = Buffer.alloc(512);
  const octal = (off: number, width: number, v: number): void => {
    b.write(v.toString(8).padStart(width - 1, "0") + "\0", off, width, "latin1");
  };
  b.write(e.name, 0, 100, "utf8");
  octal(100, 8, e.mode ?? (e.type === "5" ? 0o755 : 0o644));
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, e.data?.length ?? 0);
  octal(136, 12, 1_700_000_000);
  b.write(e.type, 156, 1, "latin1");
  b.write(e.linkname ?? "", 157, 100, "utf8");
  b.write("ustar\u000000", 257, 8, "latin1");
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
  return b;
}

/** A whole archive from raw entries; `end: false` leaves out the two end-of-archive blocks. */
export function rawArchive(entries: RawEntry[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(rawHeader(e));
    if (e.data && e.data.length > 0) parts.push(e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A pax `x` record set as raw entry data. */
export function paxData(records: Record<string, string>): Buffer {
  let text = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len++;
    text += `${len}${body}`;
  }
  return Buffer.from(text, "utf8");
}

// Restores a tar stream into a fresh directory. Entries are checked before anything touches the disk
// (entry-rules), file data streams straight to disk with backpressure (the stream is read at most 1 MiB
// ahead of the writes, read-chunks.ts), and the result is durable when the promise resolves: every file
// and directory is on disk (durability.ts: one flush of the filesystem, or fsync of each). On any error it
// stops and rejects; what was written stays inside targetDir, which the caller (a staging directory)
// deletes.
import { mkdir, open, readdir, realpath } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Readable } from "node:stream";
import { ArchiveError, abortedError, errnoOf } from "./archive-error.ts";
import { BackgroundFlush, chooseDurability, syncFileSystem } from "./durability.ts";
import type { Durability } from "./durability.ts";
import { checkLinkTarget, normalizeEntryPath } from "./entry-rules.ts";
import { ExtractTree } from "./extract-tree.ts";
import { fsyncTree } from "./fsync-tree.ts";
import { parseTarEntries } from "./parse-tar-entries.ts";
import type { TarEntry } from "./parse-tar-entries.ts";
import { TarInput } from "./tar-input.ts";
import type { ExtractOptions, ExtractResult } from "./types.ts";

/** Extracts a tar stream into targetDir (created if missing; must be empty). Tar-slip safe. */
export async function extractArchive(source: Readable | AsyncIterable<Uint8Array>, targetDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const { root, created, targetPath } = await prepareTarget(targetDir);
  const outsideLinks = opts.outsideLinks ?? "reject";
  const durability = await chooseDurability(root);
  const tree = new ExtractTree(root, outsideLinks, durability, opts.owners ?? "current");
  const input = new TarInput(source, opts.recycle);
  const counts: ExtractResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  const flush = durability === "syncfs" ? new BackgroundFlush(root, opts.signal) : undefined;
  const wrote = (n: number) => flush?.wrote(counts.bytes + n);
  try {
    for await (const entry of parseTarEntries(input)) {
      if (opts.signal?.aborted) throw abortedError(opts.signal, "the extraction");
      const path = admissiblePath(entry);
      if (path === "") continue; // "./" of archives made with `tar -C dir .`: the target itself
      tree.admit(path);
      if (entry.type === "dir") {
        tree.addDir(path, entry);
        counts.dirs++;
      } else if (entry.type === "symlink") {
        checkLinkTarget(path, entry.linkpath, outsideLinks);
        tree.addSymlink(path, entry.linkpath, entry);
        counts.symlinks++;
      } else {
        counts.bytes += await writeFile(tree, path, entry, input, opts.signal, wrote);
        counts.files++;
        opts.onProgress?.({ files: counts.files, bytes: counts.bytes });
      }
    }
    // After the end blocks: read the source out, so an upstream failure (a bad final auth tag) still
    // fails the restore.
    await input.drain();
    await tree.finish();
    await makeDurable(root, durability, targetPath, created, flush, opts.signal);
    return counts;
  } finally {
    await tree.settle(false);
    await input.close();
    await flush?.settled();
  }
}

/** The normalized path of an entry we can restore; throws for unsafe paths and unsupported kinds. */
export function admissiblePath(entry: TarEntry): string {
  const path = normalizeEntryPath(entry.path);
  if (entry.unsupported || !(entry.type === "file" || entry.type === "dir" || entry.type === "symlink")) {
    const what = entry.unsupported ?? `a ${entry.type === "other" ? `type "${entry.typeflag}"` : entry.type} entry`;
    throw new ArchiveError("E_UNSUPPORTED_ENTRY", `entry "${entry.path}" is ${what}, which a restore does not create; refusing to restore this archive`, { path: entry.path });
  }
  if (path === "" && entry.type !== "dir") throw new ArchiveError("E_UNSAFE_PATH", `entry "${entry.path}" has no name; refusing to restore this archive, it may be malicious`, { path: entry.path });
  return path;
}

// Each piece is written as it comes, before the input is read again: the input may hand the chunk it
// was cut from back to the decompressor (opts.recycle). Pieces are whole decompressed frames, or the
// part of one that holds this file, so gathering them into fewer writes saves nothing.
// Errors of the source (a chunk that fails authentication, a truncated stream) pass through as they are;
// only the writes themselves become E_EXTRACT_IO.
// `wrote` hears how much of this file is written so far.
async function writeFile(tree: ExtractTree, path: string, entry: TarEntry, input: TarInput, signal: AbortSignal | undefined, wrote: (n: number) => void): Promise<number> {
  const fd = tree.createFile(path);
  let written = 0;
  try {
    for await (const piece of input.read(entry.size)) {
      if (signal?.aborted) throw abortedError(signal, "the extraction");
      tree.write(fd, path, piece, written);
      written += piece.length;
      wrote(written);
    }
  } catch (err) {
    tree.abandonFile(fd);
    throw err;
  }
  await tree.finishFile(fd, path, entry);
  return written;
}

// The target must be empty: extracting over existing files would mix two trees and let an existing
// symlink redirect our writes.
async function prepareTarget(targetDir: string): Promise<{ root: string; created: string | undefined; targetPath: string }> {
  const targetPath = resolve(targetDir);
  const unusable = (err: unknown): never => {
    throw new ArchiveError("E_TARGET_NOT_EMPTY", `target ${targetPath} is not a usable directory (${errnoOf(err) ?? String(err)}); pass a new or empty directory`, { path: targetPath, cause: err });
  };
  // mkdir -p reports the topmost directory it had to create, if any.
  const created = await mkdir(targetPath, { recursive: true, mode: 0o700 }).catch(unusable);
  const root = await realpath(targetPath);
  const existing = await readdir(root).catch(unusable);
  if (existing.length > 0) {
    throw new ArchiveError("E_TARGET_NOT_EMPTY", `target ${targetPath} is not empty; restore into a new or empty directory`, { path: targetPath });
  }
  return { root, created, targetPath };
}

// With "syncfs", one flush of the filesystem at the end covers everything, the directories created above
// the target included (a new directory lives on its parent's filesystem); the background flushes during
// the extraction (BackgroundFlush) only leave it less to do. If any flush fails or cannot be done, every
// file and directory is fsynced now; with "fsync" the tree did that as it went. Either way a directory we
// created is durable only once its own parent is synced too, up to one that existed.
async function makeDurable(root: string, durability: Durability, targetPath: string, created: string | undefined, flush: BackgroundFlush | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (durability === "syncfs") {
    if ((await flush?.settled()) !== false && (await syncFileSystem(root, signal))) return;
    await fsyncTree(root).catch((err: unknown) => {
      throw new ArchiveError("E_EXTRACT_IO", `cannot flush the restored files to disk (${errnoOf(err) ?? String(err)}); check the disk of ${targetPath}`, { path: targetPath, cause: err });
    });
  }
  if (!created) return;
  for (let dir = dirname(targetPath); ; dir = dirname(dir)) {
    await fsyncDir(dir);
    if (dir === dirname(created) || dir === dirname(dir)) break;
  }
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

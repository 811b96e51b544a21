// A backup store in a local or mounted directory (a NAS, a second disk). Layout, for key
// "nightly/2024-05-01.nacre":
//
//   <path>/nightly/2024-05-01.nacre             the bytes
//   <path>/nightly/2024-05-01.nacre.meta.json   {"v":1,"size":…,"sha256":"…"}
//   <path>/nightly/2024-05-01.nacre.partial-…   only while (or if a crash interrupted) writing
//
// The directory itself must exist: creating it would silently fill the local disk when a NAS
// is not mounted.
import { mkdir, open, readFile, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { StorageError } from "../storage-error.ts";
import type { BackupStore, ObjectInfo } from "../types.ts";
import { SIDECAR_SUFFIX, validateKey, validatePrefix } from "../validate-key.ts";
import { listFiles } from "./list-files.ts";
import { commitPartial, fsyncDir, writeJsonAtomic, writePartial } from "./write-atomic.ts";

interface Sidecar {
  v: 1;
  size: number;
  sha256: string;
  contentType?: string;
}

/** A backup store in the directory `cfg.path`; keys with "/" become subdirectories. */
export function createFsStore(cfg: { path: string }): BackupStore {
  const root = resolve(cfg.path);
  const fileOf = (key: string): string => {
    validateKey(key);
    return join(root, ...key.split("/"));
  };
  const ensureRoot = async (): Promise<void> => {
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new StorageError("E_NO_DIR", `backup directory ${root} does not exist — create it, or mount the disk it lives on`);
    }
  };
  const io = (what: string, err: unknown): unknown => {
    if (err instanceof StorageError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) return err;
    return new StorageError("E_IO", `${what} in ${root} failed (${code}) — check free space and permissions`, { cause: err });
  };

  return {
    description: `fs:${root}`,

    async put(key, body, opts) {
      const file = fileOf(key);
      await ensureRoot();
      try {
        // a directory created here must survive a crash as much as the file renamed into it
        const created = await mkdir(dirname(file), { recursive: true });
        if (created) await fsyncDir(dirname(created));
        const written = await writePartial(file, body, { key, signal: opts.signal, onProgress: opts.onProgress, release: opts.release });
        // The sidecar goes first: a crash between the two renames leaves an orphaned sidecar
        // (invisible to list) rather than an object without its checksum.
        try {
          const sidecar: Sidecar = { v: 1, size: written.size, sha256: written.sha256, contentType: opts.contentType };
          await writeJsonAtomic(file + SIDECAR_SUFFIX, sidecar);
          await commitPartial(written.partial, file);
        } catch (err) {
          await rm(written.partial, { force: true });
          throw err;
        }
        return { key, size: written.size, sha256: written.sha256 };
      } catch (err) {
        throw io(`writing "${key}"`, err);
      }
    },

    async list(prefix) {
      validatePrefix(prefix);
      await ensureRoot();
      return listFiles(root, prefix).catch((err: unknown) => {
        throw io(`listing "${prefix}"`, err);
      });
    },

    async head(key) {
      const file = fileOf(key);
      await ensureRoot();
      const info = await stat(file).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw io(`reading "${key}"`, err);
      });
      if (!info?.isFile()) return null;
      const sidecar = await readSidecar(file + SIDECAR_SUFFIX);
      const result: ObjectInfo = { key, size: info.size, lastModified: info.mtime, metadata: {} };
      // a sidecar of another size belongs to a write that replaced the file's sidecar but crashed
      if (sidecar && sidecar.size === info.size) {
        result.sha256 = sidecar.sha256;
        result.metadata = { sha256: sidecar.sha256, size: String(sidecar.size) };
      }
      return result;
    },

    async get(key, opts = {}) {
      const file = fileOf(key);
      await ensureRoot();
      const handle = await open(file, "r").catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "EISDIR") {
          throw new StorageError("E_NOT_FOUND", `object "${key}" not found in ${root}`, { cause: err });
        }
        throw io(`opening "${key}"`, err);
      });
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        throw new StorageError("E_NOT_FOUND", `object "${key}" not found in ${root} (it is a directory)`);
      }
      const size = info.size;
      // The stream reads from the handle opened above, so a concurrent replace cannot mix files.
      const stream = handle.createReadStream({ highWaterMark: 1024 * 1024 });
      async function* body(): AsyncGenerator<Uint8Array> {
        let read = 0;
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            opts.signal?.throwIfAborted();
            read += chunk.length;
            opts.onProgress?.(read);
            yield chunk;
          }
        } catch (err) {
          if (opts.signal?.aborted) throw new StorageError("E_ABORTED", `reading "${key}" was cancelled`, { cause: err });
          throw io(`reading "${key}"`, err);
        }
      }
      return { size, body: body() };
    },

    async delete(key) {
      const file = fileOf(key);
      await ensureRoot();
      try {
        await rm(file, { force: true });
        await rm(file + SIDECAR_SUFFIX, { force: true });
        await pruneEmptyDirs(root, dirname(file));
      } catch (err) {
        throw io(`deleting "${key}"`, err);
      }
    },
  };
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<Sidecar>;
    return typeof parsed.size === "number" && typeof parsed.sha256 === "string" ? (parsed as Sidecar) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Removes now-empty directories from `dir` up to (not including) the store's root. */
async function pruneEmptyDirs(root: string, dir: string): Promise<void> {
  for (let current = dir; current.startsWith(root + sep); current = dirname(current)) {
    try {
      await rmdir(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
      throw err;
    }
  }
}

// Consistent copies of live SQLite databases. The app keeps writing while we archive, so the file on disk
// is never copied byte by byte: SQLite's online backup copies the pages of one read transaction (in WAL
// mode writers are not blocked) into a private 0700 staging directory, the copy is checked with
// PRAGMA integrity_check, and only then are its bytes archived. Only these copies touch temporary disk,
// one database at a time (each is deleted right after it is archived), never any part of the archive.
import { mkdtemp, chmod, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, backup } from "node:sqlite";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import { checkSqliteIntegrity } from "./check-sqlite-integrity.ts";

/** The 16 bytes every SQLite 3 database file starts with. */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\u0000", "latin1");

// SQLite's smallest page is 512 bytes; a shorter file with the magic is a fragment SQLite would treat as
// an empty database, so its bytes are kept raw instead of being replaced by an empty copy.
const MIN_DATABASE_BYTES = 512;
// Result codes meaning "this is not a database SQLite can read": archive the raw bytes with a warning.
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
// How long a capture waits for a writer holding an exclusive lock (rollback-journal databases).
const BUSY_TIMEOUT_MS = 30_000;

export type SqliteCapture =
  | { kind: "copy"; copyPath: string; release: () => Promise<void> }
  | { kind: "raw"; reason: string }
  | { kind: "vanished" };

/** Captures databases into a private staging directory that dispose() removes. */
export interface SqliteStaging {
  /** The staging directory once created, so the walker can avoid archiving it. */
  readonly dir: string | undefined;
  /** Copies the database at dbPath; `size` is its size when it was opened. */
  capture(dbPath: string, size: number): Promise<SqliteCapture>;
  dispose(): Promise<void>;
}

/** Creates the staging area lazily under tempDir (default os.tmpdir()). */
export function createSqliteStaging(tempDir: string = tmpdir()): SqliteStaging {
  let dir: string | undefined;
  let counter = 0;

  async function ensureDir(): Promise<string> {
    if (dir) return dir;
    const created = await mkdtemp(join(tempDir, "nacre-sqlite-")).catch((err: unknown) => {
      throw new ArchiveError("E_SQLITE_CAPTURE", `cannot create a staging directory in ${tempDir} for SQLite copies (${errnoOf(err) ?? String(err)}); set tempDir to a writable directory with room for the largest database`, { path: tempDir, cause: err });
    });
    // mkdtemp already uses 0700; set it explicitly so a permissive umask or platform default cannot widen it.
    await chmod(created, 0o700);
    dir = created;
    return created;
  }

  return {
    get dir() {
      return dir;
    },
    async capture(dbPath, size) {
      if (size < MIN_DATABASE_BYTES) return { kind: "raw", reason: `only ${size} bytes, smaller than one SQLite page` };
      const copyPath = join(await ensureDir(), `${++counter}.sqlite`);
      const release = async (): Promise<void> => {
        await Promise.all(["", "-wal", "-shm", "-journal"].map((s) => rm(copyPath + s, { force: true })));
      };
      try {
        const raw = await backupInto(dbPath, copyPath);
        if (raw) {
          await release();
          return raw;
        }
        await verifyCopy(dbPath, copyPath);
        return { kind: "copy", copyPath, release };
      } catch (err) {
        await release();
        throw err;
      }
    },
    async dispose() {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

// Runs the online backup; returns a raw-capture verdict when SQLite cannot read the file as a database.
async function backupInto(dbPath: string, copyPath: string): Promise<SqliteCapture | undefined> {
  let source: DatabaseSync | undefined;
  try {
    // Read-only: we must never checkpoint, migrate or otherwise write the app's database.
    source = new DatabaseSync(dbPath, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
    // One step for all pages: a multi-step backup restarts whenever another process commits, which a busy
    // app would do forever; a single step reads one consistent snapshot.
    await backup(source, copyPath, { rate: 0x7fffffff });
    return undefined;
  } catch (err) {
    const code = sqliteCode(err);
    // Deleted since we opened it for the first read: like any file that vanishes, it is skipped.
    if (code === SQLITE_CANTOPEN && !(await exists(dbPath))) return { kind: "vanished" };
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
      return { kind: "raw", reason: `SQLite cannot read it (${err instanceof Error ? err.message : String(err)})` };
    }
    throw new ArchiveError("E_SQLITE_CAPTURE", `cannot take a consistent copy of SQLite database ${dbPath}: ${err instanceof Error ? err.message : String(err)}; check that the agent can read it and its directory, and that no process holds it locked`, { path: dbPath, cause: err });
  } finally {
    source?.close();
  }
}

async function verifyCopy(dbPath: string, copyPath: string): Promise<void> {
  const verdict = await checkSqliteIntegrity(copyPath);
  if (verdict !== "ok") {
    throw new ArchiveError("E_SQLITE_INTEGRITY", `SQLite database ${dbPath} fails PRAGMA integrity_check (${verdict.split("\n").slice(0, 3).join("; ")}); repair or restore the database, or exclude it, before backing up`, { path: dbPath });
  }
  // The backup connection is closed, so everything must be in the main file; a leftover WAL would mean the
  // archived bytes miss committed pages.
  const wal = await stat(copyPath + "-wal").catch((err: unknown) => {
    if (errnoOf(err) === "ENOENT") return undefined;
    throw err;
  });
  if (wal && wal.size > 0) {
    throw new ArchiveError("E_SQLITE_CAPTURE", `the copy of ${dbPath} kept a non-empty WAL; report this as a bug`, { path: dbPath });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: unknown) => {
      if (errnoOf(err) === "ENOENT") return false;
      throw err;
    },
  );
}

function sqliteCode(err: unknown): number | undefined {
  if (typeof err === "object" && err !== null && "errcode" in err && typeof err.errcode === "number") {
    return err.errcode & 0xff;
  }
  return undefined;
}

// Consistent captures of live SQLite databases. The app keeps writing while we archive, so a database's
// bytes are only archived as one read transaction sees them, in one of two ways:
//
// - Held (hold()): a WAL-mode database whose WAL is empty, as SQLite leaves it when the last connection
//   closes cleanly (typically a database whose app is stopped). A read transaction begun then reads the
//   main file alone, and while it is open no checkpoint can write to that file (the app's commits go on
//   into the WAL), so the file itself is the snapshot: it is archived as it is, at once, with no copy.
//   PRAGMA integrity_check reads the same unchanging file on a worker thread; the transaction ends once
//   both are done.
// - Copied (capture()): any other database. SQLite's online backup copies the pages of one read
//   transaction (in WAL mode writers are not blocked) into a private 0700 staging directory, and the
//   copy's bytes are archived. PRAGMA integrity_check runs on the copy on a worker thread while the
//   writer streams it and what follows. Only these copies touch temporary disk, one database at a time
//   (each is deleted once archived and checked), never any part of the archive.
//
// Either way the integrity check costs no time on the archive's critical path; its verdict is collected
// before the archive may end, and a failed one fails the archive.
import { fstatSync, statSync } from "node:fs";
import { mkdtemp, chmod, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, backup } from "node:sqlite";
import { ArchiveError, errnoOf } from "./archive-error.ts";
import { startIntegrityCheck } from "./check-sqlite-integrity.ts";
import type { IntegrityCheck } from "./check-sqlite-integrity.ts";

/** The 16 bytes every SQLite 3 database file starts with. */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\u0000", "latin1");

// Result codes meaning "this is not a database SQLite can read": archive the raw bytes with a warning.
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
// How long a capture waits for a writer holding an exclusive lock (rollback-journal databases).
const BUSY_TIMEOUT_MS = 30_000;
// hold() runs on the archive's thread and must not stall it: a database busy for longer is copied instead.
const HOLD_BUSY_TIMEOUT_MS = 50;

export type SqliteCapture =
  /** Call archived() once the copy's bytes are in the archive (or will never be): it is then removed. */
  | { kind: "copy"; copyPath: string; archived: () => void }
  | { kind: "raw"; reason: string }
  | { kind: "vanished" };

/** A database whose file is held still by a read transaction (see hold()). */
export interface HeldDatabase {
  /** Call once the file's bytes are in the archive (or will never be); the transaction ends after the check. */
  archived(): void;
}

/** Captures databases into a private staging directory that dispose() removes. */
export interface SqliteStaging {
  /** The staging directory once created, so the walker can avoid archiving it. */
  readonly dir: string | undefined;
  /**
   * Holds the database at dbPath still if its file alone is a consistent snapshot (WAL mode, empty WAL;
   * see the top of this file), so it can be archived as it is right away, from `fd` (which must still be
   * that file: one replaced since it was opened is not held); its integrity check goes on in the
   * background. Undefined otherwise, and then capture() copies it.
   */
  hold(dbPath: string, fd: number): HeldDatabase | undefined;
  /** Copies the database at dbPath; its integrity check goes on in the background. */
  capture(dbPath: string): Promise<SqliteCapture>;
  /** The first failure of a background check so far (E_SQLITE_INTEGRITY), to fail the archive early. */
  readonly failure: ArchiveError | undefined;
  /** Waits for every check and copy removal; throws the first failure. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/** Creates the staging area lazily under tempDir (default os.tmpdir()). */
export function createSqliteStaging(tempDir: string = tmpdir()): SqliteStaging {
  let dir: string | undefined;
  let counter = 0;
  let failure: ArchiveError | undefined;
  // The previous capture's check and clean-up (a copy's removal, a held database's transaction); never
  // rejects (failures land in `failure`).
  let previous: Promise<void> = Promise.resolve();
  const checks = new Set<IntegrityCheck>();
  // The read transactions of held databases, still open.
  const held = new Set<DatabaseSync>();

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

  // Records a check's verdict on dbPath in `failure`; never rejects. `subject` names the file checked.
  function collectVerdict(run: Promise<string>, dbPath: string, subject: string): Promise<void> {
    return run.then(
      (problems) => {
        if (problems !== "ok") failure ??= integrityError(dbPath, problems);
      },
      (err: unknown) => {
        failure ??= new ArchiveError("E_SQLITE_CAPTURE", `the integrity check of ${subject} failed to run: ${err instanceof Error ? err.message : String(err)}; report this as a bug`, { path: dbPath, cause: err });
      },
    );
  }

  // A worker for one database's integrity check, started now so its thread boots meanwhile; dispose()
  // stops it if it is still running.
  function trackedCheck(): { check: IntegrityCheck; stop: () => Promise<void> } {
    const check = startIntegrityCheck();
    checks.add(check);
    const stop = async (): Promise<void> => {
      checks.delete(check);
      await check.cancel();
    };
    return { check, stop };
  }

  // Runs `cleanUp` once the verdict is in and the caller has said (archived()) that the bytes are archived.
  function afterArchivedAndChecked(verdict: Promise<void>, cleanUp: () => Promise<void>): { archived: () => void; done: Promise<void> } {
    let archived = (): void => undefined;
    const streamed = new Promise<void>((resolve) => (archived = resolve));
    return { archived, done: Promise.all([verdict, streamed]).then(cleanUp) };
  }

  async function capture(dbPath: string): Promise<SqliteCapture> {
    // One copy on disk at a time: the temporary space needed is that of the largest database.
    await previous;
    if (failure) throw failure;
    const copyPath = join(await ensureDir(), `${++counter}.sqlite`);
    const remove = async (): Promise<void> => {
      await Promise.all(["", "-wal", "-shm", "-journal"].map((s) => rm(copyPath + s, { force: true })));
    };
    const { check, stop } = trackedCheck();
    try {
      const raw = await backupInto(dbPath, copyPath);
      if (raw) {
        await Promise.all([stop(), remove()]);
        return raw;
      }
      await assertNoWal(dbPath, copyPath);
    } catch (err) {
      await Promise.all([stop(), remove()]);
      throw err;
    }
    const verdict = collectVerdict(check.run(copyPath), dbPath, `the copy of ${dbPath}`);
    const { archived, done } = afterArchivedAndChecked(verdict, async () => {
      await stop();
      await remove();
    });
    previous = done.catch((err: unknown) => {
      failure ??= new ArchiveError("E_SQLITE_CAPTURE", `cannot remove the staging copy ${copyPath}: ${String(err)}`, { path: copyPath, cause: err });
    });
    return { kind: "copy", copyPath, archived };
  }

  function hold(dbPath: string, fd: number): HeldDatabase | undefined {
    const db = beginSnapshot(dbPath);
    if (!db) return undefined;
    if (!sameFile(fd, dbPath)) {
      endSnapshot(db);
      return undefined;
    }
    held.add(db);
    const { check, stop } = trackedCheck();
    const verdict = collectVerdict(check.run(dbPath, { immutable: true }), dbPath, dbPath);
    const { archived, done } = afterArchivedAndChecked(verdict, async () => {
      await stop();
      held.delete(db);
      endSnapshot(db);
    });
    previous = Promise.all([previous, done]).then(
      () => undefined,
      (err: unknown) => {
        failure ??= new ArchiveError("E_SQLITE_CAPTURE", `cannot end the snapshot of ${dbPath}: ${String(err)}`, { path: dbPath, cause: err });
      },
    );
    return { archived };
  }

  return {
    get dir() {
      return dir;
    },
    get failure() {
      return failure;
    },
    hold,
    capture,
    async settle() {
      await previous;
      if (failure) throw failure;
    },
    async dispose() {
      // A copy still being checked or streamed when the archive stops: stop its worker, then remove it all.
      await Promise.all([...checks].map((c) => c.cancel()));
      checks.clear();
      for (const db of held) endSnapshot(db);
      held.clear();
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

/**
 * Opens dbPath and begins a read transaction on it, if the database is in WAL mode with an empty WAL;
 * otherwise (or on any error, which the copy path then meets and reports) undefined. Begun with nothing
 * in the WAL, the transaction reads the main file alone and holds the read lock every checkpoint must
 * take exclusively before it writes to that file. The WAL is measured again once the transaction has
 * begun: a WAL that is still empty then shows it began that way (a WAL with readers in it is never
 * truncated), and a commit since does not matter, as it can only reach the WAL.
 */
function beginSnapshot(dbPath: string): DatabaseSync | undefined {
  // Frames in the WAL may hold commits the main file lacks; and a long WAL would mean recovery work here.
  if (walBytes(dbPath) !== 0) return undefined;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(dbPath, { readOnly: true, timeout: HOLD_BUSY_TIMEOUT_MS });
    db.exec("BEGIN");
    db.prepare("SELECT count(*) FROM sqlite_schema").get();
    // Asked inside the transaction, the mode cannot change before it ends (that needs exclusive access).
    if (db.prepare("PRAGMA journal_mode").get()?.journal_mode !== "wal" || walBytes(dbPath) !== 0) {
      endSnapshot(db);
      return undefined;
    }
    return db;
  } catch {
    if (db) endSnapshot(db);
    return undefined;
  }
}

/** Ends a held read transaction and closes its connection; never throws. */
function endSnapshot(db: DatabaseSync): void {
  try {
    if (db.isOpen) db.close(); // closing ends the read transaction
  } catch {
    // The connection only ever read; there is nothing to lose.
  }
}

/** Whether the open descriptor and the path are the same file (the path was not replaced meanwhile). */
function sameFile(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const named = statSync(path);
    return open.ino === named.ino && open.dev === named.dev;
  } catch {
    return false;
  }
}

/** Bytes in dbPath's WAL: 0 when there is none, -1 when it cannot be told. */
function walBytes(dbPath: string): number {
  try {
    return statSync(`${dbPath}-wal`).size;
  } catch (err) {
    return errnoOf(err) === "ENOENT" ? 0 : -1;
  }
}

function integrityError(dbPath: string, problems: string): ArchiveError {
  return new ArchiveError("E_SQLITE_INTEGRITY", `SQLite database ${dbPath} fails PRAGMA integrity_check (${problems.split("\n").slice(0, 3).join("; ")}); repair or restore the database, or exclude it, before backing up`, { path: dbPath });
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

// The backup connection is closed, so everything must be in the main file; a leftover WAL would mean the
// archived bytes miss committed pages.
async function assertNoWal(dbPath: string, copyPath: string): Promise<void> {
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

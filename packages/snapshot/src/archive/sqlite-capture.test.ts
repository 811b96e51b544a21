// Live SQLite databases must be archived as a consistent snapshot even while the app writes to them.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { createArchiveStream, extractArchive, listArchive } from "./index.ts";
import type { ArchiveWarning } from "./index.ts";
import { createArchiveSource } from "./create-archive-source.ts";
import { emitFile } from "./emit-entry.ts";
import { createSqliteStaging } from "./sqlite-staging.ts";
import type { SqliteStaging } from "./sqlite-staging.ts";
import { TarOutput } from "./tar-output.ts";
import { collect, tempDir } from "./test-helpers.ts";

const ACCOUNTS = 50;
const TOTAL = ACCOUNTS * 1000;

// The app: WAL mode, each transaction moves money between two accounts (the total never changes) and logs
// two event rows with a payload, so the database and its WAL keep growing while we archive.
const WRITER = `
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(process.argv[1]);
db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
const move = db.prepare("UPDATE accounts SET balance = balance + ? WHERE id = ?");
const log = db.prepare("INSERT INTO events(txn, payload) VALUES (?, ?)");
let txn = 0;
function step() {
  for (let i = 0; i < 20; i++) {
    txn++;
    const from = 1 + (txn * 7) % ${ACCOUNTS}, to = 1 + (txn * 13) % ${ACCOUNTS}, amount = txn % 97;
    db.exec("BEGIN IMMEDIATE");
    move.run(-amount, from);
    move.run(amount, to);
    log.run(txn, "x".repeat(2000));
    log.run(txn, "y".repeat(2000));
    db.exec("COMMIT");
  }
  process.stdout.write(txn + "\\n");
  setImmediate(step);
}
step();
`;

const cleanups: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const c of cleanups.splice(0)) await c();
});

async function scratch(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function createBank(path: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode=WAL; CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL); CREATE TABLE events(id INTEGER PRIMARY KEY, txn INTEGER, payload TEXT); CREATE INDEX events_txn ON events(txn);");
  const insert = db.prepare("INSERT INTO accounts(id, balance) VALUES (?, 1000)");
  for (let id = 1; id <= ACCOUNTS; id++) insert.run(id);
  db.close();
}

/**
 * A bank database whose pages after the second are garbage: SQLite opens it, integrity_check fails. In
 * WAL mode it is left with no WAL, so it is held rather than copied (sqlite-staging.ts).
 */
function corruptBank(path: string, journalMode: "DELETE" | "WAL" = "DELETE"): void {
  createBank(path);
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode=${journalMode};`);
  const insert = db.prepare("INSERT INTO events(txn, payload) VALUES (?, ?)");
  db.exec("BEGIN");
  for (let i = 0; i < 500; i++) insert.run(i, `payload ${i} `.repeat(20));
  db.exec("COMMIT");
  db.close();
  const bytes = readFileSync(path);
  for (let i = 2 * 4096; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
  writeFileSync(path, bytes);
}

/** The first three pages of a bank database (made at `path`) big enough to need more: SQLite cannot copy them. */
async function truncatedBank(path: string): Promise<Buffer> {
  createBank(path);
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode=DELETE;");
  db.prepare("INSERT INTO events(txn, payload) VALUES (1, ?)").run("z".repeat(100_000));
  db.close();
  return (await readFile(path)).subarray(0, 3 * 4096);
}

/** Starts the writer and resolves once it has committed `atLeast` transactions; `committed()` reads its latest count. */
async function startWriter(dbPath: string, atLeast: number): Promise<{ committed: () => number }> {
  const child = spawn(process.execPath, ["-e", WRITER, dbPath], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  let latest = 0;
  child.stdout?.on("data", (d: Buffer) => {
    const lines = d.toString().trim().split("\n");
    latest = Number(lines[lines.length - 1]);
  });
  while (latest < atLeast) await new Promise((r) => setTimeout(r, 10));
  return { committed: () => latest };
}

describe("SQLite capture", () => {
  it("archives a consistent copy while another process keeps committing, without -wal/-shm", async () => {
    const base = await scratch();
    await mkdir(join(base, "state/memory"), { recursive: true });
    // No .db/.sqlite extension: detection is by content.
    const dbPath = join(base, "state/memory/main");
    createBank(dbPath);
    await writeFile(join(base, "state/memory/notes.md"), "notes\n");
    const writer = await startWriter(dbPath, 2000);
    const before = writer.committed();

    const warnings: ArchiveWarning[] = [];
    const archive = await collect(createArchiveStream([{ name: "state", path: join(base, "state") }], { tempDir: base, onWarning: (w) => warnings.push(w) }));
    const after = writer.committed();
    // The writer really was committing during the archive.
    expect(after).toBeGreaterThan(before);
    expect(warnings).toEqual([]);

    const names = (await listArchive(Readable.from([archive]))).map((e) => e.path);
    // A database's entry follows the rest of the walk (its copy is made while the rest streams).
    expect(names).toEqual(["state", "state/memory", "state/memory/notes.md", "state/memory/main"]);
    // The siblings exist on disk while the writer runs; they must not be archived.
    expect((await readdir(join(base, "state/memory"))).sort()).toEqual(["main", "main-shm", "main-wal", "notes.md"]);

    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    const db = new DatabaseSync(join(out, "state/memory/main"), { readOnly: true });
    try {
      expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const total = db.prepare("SELECT sum(balance) AS total FROM accounts").get() as { total: number };
      expect(total.total).toBe(TOTAL);
      const events = db.prepare("SELECT count(*) AS n, count(DISTINCT txn) AS txns, max(txn) AS last FROM events").get() as { n: number; txns: number; last: number };
      expect(events.n).toBe(2 * events.txns);
      expect(events.last).toBe(events.txns);
      // Everything committed before the archive started is there (WAL content included).
      expect(events.txns).toBeGreaterThanOrEqual(before);
    } finally {
      db.close();
    }
    // The private staging directory is gone.
    expect((await readdir(base)).filter((n) => n.startsWith("nacre-sqlite-"))).toEqual([]);
  });

  it.each(["DELETE", "WAL"] as const)("fails with E_SQLITE_INTEGRITY on a database with garbage pages (%s journal), and cleans up", async (journalMode) => {
    // Design: the online backup copies pages verbatim, so the copy is as broken as the original and
    // integrity_check on it fails (a held database is checked as it is). Storing it would hand back a
    // broken database at restore time, and a raw copy would be no better, so the whole archive fails
    // loudly and the night is reported failed.
    const base = await scratch();
    await mkdir(join(base, "state"));
    const dbPath = join(base, "state/app.db");
    corruptBank(dbPath, journalMode);

    const failure = collect(createArchiveStream([{ name: "state", path: join(base, "state") }], { tempDir: base }));
    await expect(failure).rejects.toMatchObject({ code: "E_SQLITE_INTEGRITY", path: dbPath });
    expect((await readdir(base)).sort()).toEqual(["state"]);
  });

  it("fails with E_SQLITE_INTEGRITY even when the check ends after later files were archived", async () => {
    // The check runs in the background while the writer goes on; its verdict must still fail the archive.
    const base = await scratch();
    await mkdir(join(base, "state"));
    const dbPath = join(base, "state/a.db");
    corruptBank(dbPath);
    await writeFile(join(base, "state/b-big"), randomBytes(64 * 1024 * 1024));
    for (let i = 0; i < 50; i++) await writeFile(join(base, `state/c-${i}`), `file ${i}`);
    const failure = collect(createArchiveStream([{ name: "state", path: join(base, "state") }], { tempDir: base }));
    await expect(failure).rejects.toMatchObject({ code: "E_SQLITE_INTEGRITY", path: dbPath });
    expect((await readdir(base)).sort()).toEqual(["state"]);
  });

  it("archives a file that only starts like a database as it is, with W_SQLITE_RAW", async () => {
    const base = await scratch();
    await mkdir(join(base, "state"));
    const fragment = Buffer.concat([Buffer.from("SQLite format 3\u0000", "latin1"), Buffer.alloc(100, 1)]);
    await writeFile(join(base, "state/tiny.db"), fragment);
    const warnings: ArchiveWarning[] = [];
    const archive = await collect(createArchiveStream([{ name: "state", path: join(base, "state") }], { tempDir: base, onWarning: (w) => warnings.push(w) }));
    expect(warnings.map((w) => [w.code, w.path])).toEqual([["W_SQLITE_RAW", join(base, "state/tiny.db")]]);
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    expect((await readFile(join(out, "state/tiny.db"))).equals(fragment)).toBe(true);
  });

  it("recognises a database wherever its entry falls in the output, leaving the output untouched", async () => {
    const base = await scratch();
    createBank(join(base, "app.db"));
    await writeFile(join(base, "plain"), Buffer.alloc(4096, 7));
    const header = { path: "s/x", type: "file" as const, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", mtimeNs: 0n };
    const CHUNK = 1024 * 1024;
    for (const used of [0, CHUNK - 4096, CHUNK - 600, CHUNK - 100, CHUNK - 1, CHUNK]) {
      for (const [name, expected] of [["app.db", "sqlite"], ["plain", "done"]] as const) {
        const out = new TarOutput();
        out.provide(Buffer.alloc(CHUNK));
        out.advance(used);
        const fd = openSync(join(base, name), "r");
        try {
          const run = emitFile({ kind: "file", absPath: name, fd, header: { ...header, size: fstatSync(fd).size } }, out, { warn: () => undefined, progress: () => undefined }, true);
          let step = run.next();
          while (!step.done) {
            out.take();
            out.provide(Buffer.alloc(CHUNK));
            step = run.next();
          }
          expect([used, name, step.value]).toEqual([used, name, expected]);
          // Nothing of a database's entry was written.
          if (expected === "sqlite") expect([out.used, out.drained]).toEqual([used, true]);
        } finally {
          closeSync(fd);
        }
      }
    }
  });

  it("archives the raw bytes of a truncated database with a W_SQLITE_RAW warning", async () => {
    const base = await scratch();
    await mkdir(join(base, "state"));
    const truncated = await truncatedBank(join(base, "big.db"));
    await writeFile(join(base, "state/broken.sqlite"), truncated);

    const warnings: ArchiveWarning[] = [];
    const archive = await collect(createArchiveStream([{ name: "state", path: join(base, "state") }], { tempDir: base, onWarning: (w) => warnings.push(w) }));
    expect(warnings.map((w) => w.code)).toEqual(["W_SQLITE_RAW"]);
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    expect((await readFile(join(out, "state/broken.sqlite"))).equals(truncated)).toBe(true);
  });

  it("archives several databases, each after entries that follow it, in the same order every time", async () => {
    const base = await scratch();
    const state = join(base, "state");
    await mkdir(join(state, "a"), { recursive: true });
    await mkdir(join(state, "b"));
    createBank(join(state, "a/one.db"));
    await writeFile(join(state, "a/one.db-wal"), "stale wal, left out: the copy holds every commit");
    await writeFile(join(state, "a/z.txt"), "after one.db");
    createBank(join(state, "b/two.db"));
    await writeFile(join(state, "b/z.txt"), "after two.db");
    // A database cut short, which SQLite cannot copy: archived raw, and then its sibling is archived too.
    const fragment = await truncatedBank(join(base, "whole.db"));
    await writeFile(join(state, "c.db"), fragment);
    await writeFile(join(state, "c.db-wal"), "kept beside a raw database");
    await writeFile(join(state, "d.txt"), "last");

    const archive = async () => collect(createArchiveStream([{ name: "state", path: state }], { tempDir: base }));
    const first = await archive();
    const names = (await listArchive(Readable.from([first]))).map((e) => e.path);
    expect(names).toEqual([
      "state",
      "state/a",
      "state/a/z.txt",
      "state/b",
      // Closed cleanly, two.db has no WAL: it is held and archived where it is met.
      "state/b/two.db",
      "state/b/z.txt",
      // A copied database is written when the next one to copy is met (one copy at a time), the last
      // when the walk ends; a database archived raw brings its held-back sibling along.
      "state/a/one.db",
      "state/d.txt",
      "state/c.db",
      "state/c.db-wal",
    ]);
    // Opening the databases changed the tree (SQLite made a -shm file for c.db); from then on, the same
    // tree gives the same order.
    const order = async () => (await listArchive(Readable.from([await archive()]))).map((e) => e.path);
    const second = await order();
    expect(second).toContain("state/c.db-shm");
    expect(await order()).toEqual(second);

    const out = join(base, "out");
    await extractArchive(Readable.from([first]), out);
    for (const db of ["a/one.db", "b/two.db"]) {
      const copy = new DatabaseSync(join(out, "state", db), { readOnly: true });
      expect(copy.prepare("SELECT sum(balance) AS total FROM accounts").get()).toEqual({ total: TOTAL });
      copy.close();
    }
    expect((await readFile(join(out, "state/c.db"))).equals(fragment)).toBe(true);
    expect(await readFile(join(out, "state/c.db-wal"), "utf8")).toBe("kept beside a raw database");
  });
});

describe("SQLite capture of a database held still (WAL mode, empty WAL)", () => {
  /** A bank in WAL mode, closed cleanly (so with no WAL), with `events` rows of ~4 KiB: several MiB. */
  function idleBank(path: string, events: number): void {
    createBank(path);
    const db = new DatabaseSync(path);
    const insert = db.prepare("INSERT INTO events(txn, payload) VALUES (0, ?)");
    db.exec("BEGIN");
    for (let i = 0; i < events; i++) insert.run(`seed ${i} `.repeat(400));
    db.exec("COMMIT");
    db.close();
  }

  /** A staging area in a fresh scratch directory, disposed after the test. */
  async function scratchStaging(): Promise<{ base: string; staging: SqliteStaging }> {
    const base = await scratch();
    const staging = createSqliteStaging(base);
    cleanups.push(() => staging.dispose());
    return { base, staging };
  }

  it("is held only when its file alone is the snapshot: WAL mode with nothing in the WAL", async () => {
    const { base, staging } = await scratchStaging();
    const idle = join(base, "idle.db");
    idleBank(idle, 10);
    const rollback = join(base, "rollback.db");
    corruptBank(rollback); // DELETE journal; its garbage pages do not matter for this decision
    const busy = join(base, "busy.db");
    idleBank(busy, 10);
    const writer = new DatabaseSync(busy);
    writer.prepare("INSERT INTO events(txn, payload) VALUES (1, 'in the WAL')").run();
    const staleWal = join(base, "stale.db");
    idleBank(staleWal, 10);
    writeFileSync(`${staleWal}-wal`, "not a WAL SQLite wrote");
    const hold = (path: string) => {
      const fd = openSync(existsSync(path) ? path : idle, "r");
      try {
        return staging.hold(path, fd);
      } finally {
        closeSync(fd);
      }
    };
    try {
      expect(hold(rollback)).toBeUndefined();
      expect(hold(busy)).toBeUndefined();
      expect(hold(staleWal)).toBeUndefined();
      expect(hold(join(base, "missing.db"))).toBeUndefined();
      // A descriptor of another file than the one at the path (the database was replaced since).
      const replaced = openSync(busy, "r");
      try {
        expect(staging.hold(idle, replaced)).toBeUndefined();
      } finally {
        closeSync(replaced);
      }
      const held = hold(idle);
      expect(held).toBeDefined();
      held?.archived();
      await staging.settle();
      // Nothing was copied: no staging directory was ever made.
      expect(staging.dir).toBeUndefined();
    } finally {
      writer.close();
    }
  });

  it("keeps every checkpoint from writing to the file until it is archived and checked", async () => {
    const { base, staging } = await scratchStaging();
    const dbPath = join(base, "app.db");
    idleBank(dbPath, 10);
    const before = readFileSync(dbPath);
    const fd = openSync(dbPath, "r");
    cleanups.push(async () => closeSync(fd));
    const held = staging.hold(dbPath, fd);
    expect(held).toBeDefined();

    const app = new DatabaseSync(dbPath);
    try {
      // The app goes on committing; the commit lands in the WAL...
      app.prepare("INSERT INTO events(txn, payload) VALUES (1, 'after the snapshot')").run();
      // ...and a checkpoint cannot copy it into the file while the snapshot is held.
      const blocked = app.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
      expect(blocked.busy).toBe(1);
      expect(readFileSync(dbPath).equals(before)).toBe(true);

      held?.archived();
      await staging.settle();
      const done = app.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number; checkpointed: number };
      expect(done).toMatchObject({ busy: 0 });
      expect(readFileSync(dbPath).equals(before)).toBe(false);
    } finally {
      app.close();
    }
  });

  it("archives the file as it is, with no copy, while another process commits to the database", async () => {
    const base = await scratch();
    await mkdir(join(base, "state/memory"), { recursive: true });
    const dbPath = join(base, "state/memory/index.sqlite");
    idleBank(dbPath, 2000); // ~8 MiB: archived over many reads below
    await writeFile(join(base, "state/memory/notes.md"), "notes\n");
    const original = readFileSync(dbPath);

    const warnings: ArchiveWarning[] = [];
    const source = createArchiveSource([{ name: "state", path: join(base, "state") }], { tempDir: base, onWarning: (w) => warnings.push(w) });
    const parts: Buffer[] = [];
    const pull = async (): Promise<number> => {
      const buf = Buffer.alloc(256 * 1024);
      const n = await source.read(buf);
      parts.push(buf.subarray(0, n));
      return n;
    };
    // Part of the database is archived: it is held from here until its last byte is.
    await pull();
    await pull();
    const writer = await startWriter(dbPath, 200);
    // Still no copy anywhere, and the writer's commits did not reach the file being archived.
    expect((await readdir(base)).filter((n) => n.startsWith("nacre-sqlite-"))).toEqual([]);
    expect(readFileSync(dbPath).equals(original)).toBe(true);
    while ((await pull()) > 0);
    expect(writer.committed()).toBeGreaterThanOrEqual(200);
    expect(warnings).toEqual([]);

    const archive = Buffer.concat(parts);
    // Held, it is archived where it is met, and its -wal/-shm (made by the writer) are left out.
    expect((await listArchive(Readable.from([archive]))).map((e) => e.path)).toEqual(["state", "state/memory", "state/memory/index.sqlite", "state/memory/notes.md"]);
    const out = join(base, "out");
    await extractArchive(Readable.from([archive]), out);
    const restored = readFileSync(join(out, "state/memory/index.sqlite"));
    expect(restored.equals(original)).toBe(true);
    const db = new DatabaseSync(join(out, "state/memory/index.sqlite"), { readOnly: true });
    try {
      expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      expect(db.prepare("SELECT sum(balance) AS total, (SELECT count(*) FROM events) AS events FROM accounts").get()).toEqual({ total: TOTAL, events: 2000 });
    } finally {
      db.close();
    }
  });
});

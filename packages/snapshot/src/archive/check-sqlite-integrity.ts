// PRAGMA integrity_check reads every page and is synchronous in node:sqlite; on a large database it would
// stall the agent's event loop (heartbeats, commands) and starve the compressor of input for its whole
// run, so it runs on a worker thread. The worker is started before the file it checks is ready (it boots
// while a copy is made) and then checks it while the writer streams it and the files after it. Its code
// is inline (eval) rather than a separate file because the agent ships as one bundled file; it loads
// builtins with process.getBuiltinModule, which works under both CommonJS and ESM evaluation.
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule("node:worker_threads");
const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
const { pathToFileURL } = process.getBuiltinModule("node:url");
parentPort.once("message", ({ path, immutable }) => {
  let db;
  let verdict;
  try {
    let target = path;
    if (immutable) {
      target = pathToFileURL(path);
      target.search = "immutable=1";
    }
    db = new DatabaseSync(target, { readOnly: true });
    verdict = db.prepare("PRAGMA integrity_check").all().map((r) => String(Object.values(r)[0])).join("\\n");
  } catch (err) {
    // A copy too broken to check is a failed check, not a crash.
    verdict = String((err && err.message) || err);
  } finally {
    if (db) db.close();
  }
  parentPort.postMessage(verdict);
  parentPort.close();
});
`;

/** A worker waiting to check one database file. */
export interface IntegrityCheck {
  /**
   * Runs PRAGMA integrity_check on the file; resolves "ok" or the problems found. `immutable` opens it
   * as a file nothing changes (SQLite's immutable=1: no locks, no WAL), for a database held still by
   * the caller's own read transaction (sqlite-staging.ts).
   */
  run(dbPath: string, opts?: { immutable?: boolean }): Promise<string>;
  /** Stops the worker, whether it ran or not. */
  cancel(): Promise<void>;
}

/** Starts a worker that will run one integrity check when asked. */
export function startIntegrityCheck(): IntegrityCheck {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  // Idle, it must not keep the process alive; while a check is awaited it must (see run).
  worker.unref();
  let verdict: string | undefined;
  let failure: unknown;
  let exited = false;
  const done = new Promise<void>((resolve) => {
    worker.once("message", (m: unknown) => {
      verdict = String(m);
    });
    worker.once("error", (err) => {
      failure = err;
    });
    worker.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  return {
    async run(dbPath, opts = {}) {
      worker.ref();
      worker.postMessage({ path: dbPath, immutable: opts.immutable === true });
      await done;
      if (verdict !== undefined) return verdict;
      throw failure ?? new Error(`the integrity check of ${dbPath} stopped without a result`);
    },
    async cancel() {
      if (!exited) await worker.terminate();
    },
  };
}

// PRAGMA integrity_check reads every page and is synchronous in node:sqlite; on a large database it would
// stall the agent's event loop (heartbeats, commands) for seconds, so it runs on a worker thread. The
// worker's code is inline (eval) rather than a separate file because the agent ships as one bundled file;
// it loads builtins with process.getBuiltinModule, which works under both CommonJS and ESM evaluation.
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
let db;
try {
  db = new DatabaseSync(workerData, { readOnly: true });
  const rows = db.prepare("PRAGMA integrity_check").all();
  parentPort.postMessage(rows.map((r) => String(Object.values(r)[0])).join("\\n"));
} catch (err) {
  // A copy too broken to check is a failed check, not a crash.
  parentPort.postMessage(String((err && err.message) || err));
} finally {
  if (db) db.close();
}
`;

/** Runs PRAGMA integrity_check on a database file off the main thread; resolves "ok" or the problems. */
export function checkSqliteIntegrity(dbPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let verdict: string | undefined;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: dbPath });
    worker.once("message", (m: unknown) => {
      verdict = String(m);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (verdict !== undefined) resolve(verdict);
      else reject(new Error(`the integrity check of ${dbPath} stopped without a result (exit code ${code})`));
    });
  });
}

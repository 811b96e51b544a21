// Reads the start of many files off the main thread. On trees of many small files the per-file syscalls
// (open, fstat, read, close), each a round trip through libuv's threadpool when done with fs/promises,
// cost more than the data itself: measured on a 2-vCPU VM over a 15k-file tree, the same reads done
// synchronously on one worker thread took about half the time and CPU. The worker only does I/O; headers
// and everything else stay on the main thread. Its code is inline (eval) because the agent ships as one
// bundled file, and loads builtins with process.getBuiltinModule, which works whether the worker inherits
// CommonJS or ESM evaluation (--input-type=module). Requests made in the same turn of the event loop go
// over as one message.
import { Worker } from "node:worker_threads";
import { ArchiveError } from "./archive-error.ts";

export interface FirstStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  dev: bigint;
  ino: bigint;
}

export type FirstRead =
  | { kind: "file"; stat: FirstStat; data: Buffer; got: number }
  | { kind: "not-file" }
  | { kind: "error"; code: string | undefined; message: string };

/** Reads the first `max` bytes of files (plus one probe byte when that is the whole file). */
export interface FileReader {
  read(path: string, flags: number): Promise<FirstRead>;
  close(): Promise<void>;
}

// Per file, FIELDS numbers in `meta` (status, mode, uid, gid, size, bytes read, data offset, data length)
// and three in `big` (mtime ns, dev, ino); the data of the whole batch in one transferred buffer. Flat
// typed arrays instead of an object per file keep the structured-clone cost per message small.
const FIELDS = 8;
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
const fs = process.getBuiltinModule("node:fs");
const max = workerData;
const F = ${FIELDS};
parentPort.on("message", ({ id, paths, flags }) => {
  const n = paths.length;
  const meta = new Float64Array(n * F);
  const big = new BigInt64Array(n * 3);
  const errors = [];
  const fds = new Array(n).fill(-1);
  let total = 0;
  // First open and stat the whole batch, so its data can be read into one buffer of the right size.
  for (let i = 0; i < n; i++) {
    try {
      fds[i] = fs.openSync(paths[i], flags[i]);
      const st = fs.fstatSync(fds[i], { bigint: true });
      if (!st.isFile()) { meta[i * F] = 1; continue; }
      const size = Number(st.size);
      const want = Math.min(size, max);
      const length = Math.max(Math.ceil(want / 512) * 512, want + (want === size ? 1 : 0));
      meta.set([0, Number(st.mode), Number(st.uid), Number(st.gid), size, 0, total, length], i * F);
      big[i * 3] = st.mtimeNs; big[i * 3 + 1] = st.dev; big[i * 3 + 2] = st.ino;
      total += length;
    } catch (err) {
      meta[i * F] = 2;
      errors.push([i, err && err.code, String((err && err.message) || err)]);
    }
  }
  const data = Buffer.allocUnsafeSlow(total);
  for (let i = 0; i < n; i++) {
    if (fds[i] < 0) continue;
    try {
      if (meta[i * F] !== 0) continue;
      const size = meta[i * F + 4], at = meta[i * F + 6], length = meta[i * F + 7];
      const want = Math.min(size, max);
      // When this is the whole file, ask for one byte more: getting it means the file grew.
      const limit = want === size ? want + 1 : want;
      let got = 0;
      while (got < want || (got === 0 && limit > 0)) {
        const r = fs.readSync(fds[i], data, at + got, limit - got, got);
        if (r === 0) break;
        got += r;
      }
      meta[i * F + 5] = got;
      data.fill(0, at + Math.min(got, want), at + length);
    } catch (err) {
      meta[i * F] = 2;
      errors.push([i, err && err.code, String((err && err.message) || err)]);
    } finally {
      fs.closeSync(fds[i]);
    }
  }
  parentPort.postMessage({ id, meta, big, errors, data }, [meta.buffer, big.buffer, data.buffer]);
});
`;

interface Reply {
  id: number;
  meta: Float64Array;
  big: BigInt64Array;
  errors: Array<[number, string | undefined, string]>;
  data: Uint8Array;
}

// Unpacks one reply into a result per requested path.
function decodeReply(r: Reply, max: number): FirstRead[] {
  const errors = new Map(r.errors.map(([i, code, message]) => [i, { kind: "error" as const, code, message }]));
  const data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  const out: FirstRead[] = [];
  for (let i = 0; i * FIELDS < r.meta.length; i++) {
    const m = r.meta.subarray(i * FIELDS, (i + 1) * FIELDS);
    const status = m[0];
    if (status === 1) out.push({ kind: "not-file" });
    else if (status === 2) out.push(errors.get(i) ?? { kind: "error", code: undefined, message: "unknown read failure" });
    else {
      const field = (k: number): number => m[k] as number;
      const size = field(4);
      const at = field(6);
      out.push({
        kind: "file",
        stat: { mode: field(1), uid: field(2), gid: field(3), size, mtimeNs: r.big[i * 3] as bigint, dev: r.big[i * 3 + 1] as bigint, ino: r.big[i * 3 + 2] as bigint },
        data: data.subarray(at, at + Math.ceil(Math.min(size, max) / 512) * 512),
        got: field(5),
      });
    }
  }
  return out;
}

/** Requests sent to the thread as one message once this many are waiting. */
const BATCH = 16;

interface Pending {
  resolve: (r: FirstRead[]) => void;
  reject: (e: unknown) => void;
}

/** Starts a reader whose worker is created on first use and ended by close(). */
export function createFileReader(max: number): FileReader {
  let worker: Worker | undefined;
  let failure: unknown;
  let nextId = 0;
  let queued: Array<{ path: string; flags: number; resolve: (r: FirstRead) => void; reject: (e: unknown) => void }> = [];
  const inFlight = new Map<number, Pending>();

  const fail = (err: unknown): void => {
    failure ??= new ArchiveError("E_ARCHIVE_IO", `the file reader thread failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    for (const p of inFlight.values()) p.reject(failure);
    inFlight.clear();
  };

  const start = (): Worker => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: max });
    // Keeps the process alive only while a request is out: an idle reader of an abandoned archive must
    // not hold up the agent's exit, and a busy one must not let a CLI exit with the archive half done.
    w.unref();
    w.on("message", (reply: Reply) => {
      const pending = inFlight.get(reply.id);
      inFlight.delete(reply.id);
      if (inFlight.size === 0) w.unref();
      pending?.resolve(decodeReply(reply, max));
    });
    w.on("error", fail);
    w.on("exit", (code) => {
      if (inFlight.size > 0) fail(new Error(`exited with code ${code}`));
    });
    return w;
  };

  const flush = (): void => {
    const jobs = queued;
    queued = [];
    if (jobs.length === 0) return;
    if (failure) {
      for (const j of jobs) j.reject(failure);
      return;
    }
    // One thread is enough: on the 2-vCPU machines this runs on, a second one measured no faster.
    worker ??= start();
    const id = nextId++;
    inFlight.set(id, {
      resolve: (results) => jobs.forEach((j, i) => j.resolve(results[i] as FirstRead)),
      reject: (err) => jobs.forEach((j) => j.reject(err)),
    });
    worker.ref();
    worker.postMessage({ id, paths: jobs.map((j) => j.path), flags: jobs.map((j) => j.flags) });
  };

  return {
    read(path, flags) {
      return new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ path, flags, resolve, reject });
        // A full batch goes at once: waiting for setImmediate would hold it until the consumer stalls,
        // and the thread would only ever have one batch to work on.
        if (queued.length >= BATCH) flush();
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      failure ??= new ArchiveError("E_ARCHIVE_IO", "the file reader was closed");
      for (const j of queued.splice(0)) j.reject(failure);
      for (const p of inFlight.values()) p.reject(failure);
      inFlight.clear();
      if (w) await w.terminate();
    },
  };
}

// The SHA-256 of a stream of bytes, computed on a worker thread. A restore is bound by its main thread
// (decrypting, parsing, creating files), and hashing the ciphertext there was an eighth of that thread's
// time; on a worker it runs on a core the restore leaves partly idle. Bytes reach the worker through a
// ring of shared memory: the caller's chunk is copied in (a fifth of a hash's cost, measured), so the
// caller may reuse it at once, and a message says where it is; the worker acknowledges what it has
// hashed, which frees ring space. Memory: the ring, plus the worker's isolate (~10 MiB).
//
// Where no worker can be started (a resource limit), the hash is computed in place, as before.
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";

/** An incremental SHA-256. Calls to update() must not overlap; digest() ends it. */
export interface Sha256 {
  /** Adds bytes; the caller may change `bytes` once the promise settles. */
  update(bytes: Uint8Array): Promise<void>;
  /** The hex digest of every byte added. */
  digest(): Promise<string>;
  /** Stops early (an abandoned download); safe at any time. */
  dispose(): void;
}

const RING_BYTES = 4 * 1024 * 1024;

// Evaluated by the worker, as the bundle has no file of its own to start it from. Whether it is read as
// CommonJS or as a module depends on the parent's flags, so it uses neither require nor import.
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
const { createHash } = process.getBuiltinModule("node:crypto");
const ring = new Uint8Array(workerData.ring);
const hash = createHash("sha256");
parentPort.on("message", (m) => {
  if (m === "digest") parentPort.postMessage({ digest: hash.digest("hex") });
  else {
    hash.update(ring.subarray(m.at, m.at + m.n));
    parentPort.postMessage(m.n);
  }
});
`;

/** A SHA-256 computed on a worker thread, or in place when no worker can be had. */
export function createSha256(): Sha256 {
  try {
    return new WorkerSha256();
  } catch {
    return inPlaceSha256();
  }
}

/** A stream of bytes passed through as it is read, counted and hashed on the way (a download being checked). */
export interface HashedStream {
  /** The same bytes, in the same chunks. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Bytes read from it so far. */
  readonly bytes: number;
  /** The SHA-256 of every byte read; call once the body has been read to its end. */
  digest(): Promise<string>;
  /** Stops the hash; done by itself when the body is closed before its end. */
  dispose(): void;
}

/** Counts and hashes `source` (with createSha256) as a reader takes it through `body`. */
export function hashStream(source: AsyncIterable<Uint8Array>): HashedStream {
  const hash = createSha256();
  let bytes = 0;
  async function* body(): AsyncGenerator<Uint8Array> {
    let complete = false;
    try {
      for await (const chunk of source) {
        await hash.update(chunk);
        bytes += chunk.byteLength;
        yield chunk;
      }
      complete = true;
    } finally {
      // A reader that stops early (a failed restore) leaves no worker behind.
      if (!complete) hash.dispose();
    }
  }
  return {
    body: body(),
    get bytes() {
      return bytes;
    },
    digest: () => hash.digest(),
    dispose: () => hash.dispose(),
  };
}

function inPlaceSha256(): Sha256 {
  const hash = createHash("sha256");
  return {
    update: async (bytes) => void hash.update(bytes),
    digest: async () => hash.digest("hex"),
    dispose: () => undefined,
  };
}

class WorkerSha256 implements Sha256 {
  readonly #ring = new SharedArrayBuffer(RING_BYTES);
  readonly #view = new Uint8Array(this.#ring);
  readonly #worker: Worker;
  /** Bytes sent and bytes the worker has hashed, since the start. */
  #sent = 0;
  #hashed = 0;
  #wake: (() => void) | undefined;
  #result: { resolve: (digest: string) => void; reject: (err: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.#ring } });
    this.#worker.on("message", (m: number | { digest: string }) => {
      if (typeof m === "number") this.#hashed += m;
      else this.#result?.resolve(m.digest);
      this.#wakeUp();
    });
    this.#worker.on("error", (err) => this.#fail(err));
    this.#worker.on("exit", (code) => this.#fail(new Error(`the SHA-256 worker stopped (exit code ${code})`)));
    // The worker keeps the process alive only while a caller waits for it (#answer), so a hash that is
    // abandoned without dispose() never holds up the exit. After the listeners: adding a 'message'
    // listener refs the worker again.
    this.#worker.unref();
  }

  /** Waits for `answer`, with the worker counted as pending work meanwhile. */
  async #answer<T>(answer: Promise<T>): Promise<T> {
    this.#worker.ref();
    try {
      return await answer;
    } finally {
      this.#worker.unref();
    }
  }

  async update(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      if (this.#failure) throw this.#failure;
      const free = RING_BYTES - (this.#sent - this.#hashed);
      if (free === 0) {
        await this.#answer(new Promise<void>((resolve) => (this.#wake = resolve)));
        continue;
      }
      const pos = this.#sent % RING_BYTES;
      const n = Math.min(bytes.length - at, free, RING_BYTES - pos);
      this.#view.set(bytes.subarray(at, at + n), pos);
      this.#worker.postMessage({ at: pos, n });
      this.#sent += n;
      at += n;
    }
  }

  async digest(): Promise<string> {
    if (this.#failure) throw this.#failure;
    const digest = new Promise<string>((resolve, reject) => (this.#result = { resolve, reject }));
    this.#worker.postMessage("digest");
    try {
      return await this.#answer(digest);
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.#fail(new Error("the SHA-256 was stopped (disposed) before its digest"));
    this.#worker.removeAllListeners("exit");
    void this.#worker.terminate();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#result?.reject(this.#failure);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

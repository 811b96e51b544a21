// The restore's download: a plain GET of the pre-signed URL the control plane sent (the agent holds no
// bucket credentials), streamed. After a dropped connection or a 5xx it asks for the rest with
// `Range: bytes=<received>-` and checks the answer is exactly that range of an object of the announced
// size, so bytes of another object are never spliced on; the caller hashes every byte it yields.
import { setTimeout as sleep } from "node:timers/promises";

/** How often a download may break off before the restore gives up (the data dir is untouched then). */
export const MAX_RESUMES = 5;
const RESUME_DELAY_MS = 500;

export class DownloadError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DownloadError";
    this.code = code;
  }
}

export interface DownloadOptions {
  signal: AbortSignal;
  maxResumes?: number;
  /** Called with the number of resumes so far after each break. */
  onResume?: (resumes: number, received: number, reason: string) => void;
}

/** Yields the object's bytes, `size` of them in all, resuming after breaks; throws DownloadError. */
export async function* downloadSnapshot(url: string, size: number, options: DownloadOptions): AsyncGenerator<Uint8Array> {
  const maxResumes = options.maxResumes ?? MAX_RESUMES;
  let received = 0;
  let resumes = 0;
  for (;;) {
    let reason = "the connection closed early";
    try {
      const response = await fetch(url, { headers: received > 0 ? { range: `bytes=${received}-` } : {}, signal: options.signal });
      if (response.status >= 400 && response.status < 500) {
        await response.body?.cancel();
        throw new DownloadError(
          "E_DOWNLOAD_REFUSED",
          `the object store refused the download with HTTP ${response.status} (an expired or wrong link) — start the restore again for a fresh link`,
        );
      }
      if (received > 0) {
        const range = response.headers.get("content-range");
        if (response.status !== 206 || range !== `bytes ${received}-${size - 1}/${size}`) {
          await response.body?.cancel();
          if (response.status >= 500) throw new TransientError(`HTTP ${response.status}`);
          throw new DownloadError("E_DOWNLOAD_CHANGED", `resuming at byte ${received} answered HTTP ${response.status} with range ${range ?? "(none)"} — the object changed or the store ignores Range`);
        }
      } else if (response.status !== 200) {
        await response.body?.cancel();
        throw new TransientError(`HTTP ${response.status}`);
      }
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.byteLength;
        if (received > size) throw new DownloadError("E_HASH_MISMATCH", `the object is larger than the ${size} bytes recorded at upload — it changed or is damaged`);
        yield chunk;
      }
      if (received === size) return;
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      options.signal.throwIfAborted();
      reason = error instanceof TransientError ? error.message : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
    }
    resumes++;
    if (resumes > maxResumes) {
      throw new DownloadError("E_DOWNLOAD", `the download broke off ${resumes} times (last: ${reason}, at byte ${received} of ${size}) — check the VM's network and start the restore again`);
    }
    options.onResume?.(resumes, received, reason);
    await sleep(RESUME_DELAY_MS * resumes, undefined, { signal: options.signal });
  }
}

class TransientError extends Error {}

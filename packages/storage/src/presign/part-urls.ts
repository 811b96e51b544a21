// Where the agent's pre-signed part URLs come from: the caller's getUrls() (a request to the control
// plane), asked in aligned batches and one batch ahead, so a part rarely waits for its URL. A URL
// refused as expired is replaced by asking for that one part again.
import { abortable } from "../abortable.ts";
import { StorageError } from "../storage-error.ts";
import type { PresignedPart } from "./bucket-signer.ts";

export type GetPartUrls = (fromPart: number, count: number) => Promise<PresignedPart[]>;

export interface PartUrls {
  /** The URL for part `n`, from the batch that holds it (asked for now if it was not yet). */
  get(n: number): Promise<string>;
  /** A freshly signed URL for part `n`, for the part to use instead of the one that was refused. */
  refresh(n: number): Promise<string>;
}

/** URLs for parts 1..maxParts, asked for `batchSize` at a time, never beyond `maxParts`. */
export function createPartUrls(getUrls: GetPartUrls, batchSize: number, maxParts: number, signal: AbortSignal): PartUrls {
  const batches = new Map<number, Promise<Map<number, string>>>();

  const ask = async (from: number, count: number): Promise<Map<number, string>> => {
    let answer: unknown;
    try {
      answer = await abortable(getUrls(from, count), signal);
    } catch (err) {
      if (signal.aborted || err instanceof StorageError) throw err;
      throw new StorageError(
        "E_PRESIGNED_URLS",
        `asking the control plane for upload URLs of parts ${range(from, count)} failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return checkAnswer(answer, from, count);
  };

  const batchOf = (n: number): Promise<Map<number, string>> => {
    const index = Math.floor((n - 1) / batchSize);
    let batch = batches.get(index);
    if (!batch) {
      const from = index * batchSize + 1;
      batch = ask(from, Math.min(batchSize, maxParts - from + 1));
      batches.set(index, batch);
      // a failed batch is asked again by the next part that needs it; the part that was waiting fails
      const asked = batch;
      asked.catch(() => batches.get(index) === asked && batches.delete(index));
    }
    return batch;
  };

  return {
    async get(n) {
      // half-way through a batch, ask for the next one so it is there before it is needed
      const ahead = n + Math.floor(batchSize / 2);
      if (ahead <= maxParts) void batchOf(ahead).catch(() => {});
      return (await batchOf(n)).get(n)!;
    },
    async refresh(n) {
      return (await ask(n, 1)).get(n)!;
    },
  };
}

/** The answer as number → URL; throws E_PRESIGNED_URLS unless it has an http(s) URL for every part asked. */
function checkAnswer(answer: unknown, from: number, count: number): Map<number, string> {
  const urls = new Map<number, string>();
  if (Array.isArray(answer)) {
    for (const item of answer as Partial<PresignedPart>[]) {
      if (typeof item?.number === "number" && typeof item.url === "string" && /^https?:\/\//.test(item.url)) {
        urls.set(item.number, item.url);
      }
    }
  }
  for (let n = from; n < from + count; n++) {
    if (!urls.has(n)) {
      throw new StorageError(
        "E_PRESIGNED_URLS",
        `the control plane's answer for parts ${range(from, count)} has no usable http(s) URL for part ${n} — it must ` +
          `return one { number, url } per part asked for`,
      );
    }
  }
  return urls;
}

function range(from: number, count: number): string {
  return count === 1 ? String(from) : `${from}–${from + count - 1}`;
}

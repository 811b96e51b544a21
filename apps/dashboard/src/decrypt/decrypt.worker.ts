// The Web Worker that does Decrypt locally's work, off the page's thread: read the file as a stream,
// decrypt and verify it chunk by chunk (@nacre/snapshot/web), decompress, and write the tar. Nothing
// is saved unless the whole file verified: a streamed save goes through a writable that is aborted on
// any error (the browser then discards its swap file), and the in-memory fallback only becomes a Blob
// after the last byte checked out. The data key is zeroed when the work ends.
import { decryptSnapshot } from "@nacre/snapshot/web";
import type { WorkerReply, WorkerRequest } from "./messages.ts";
import { removeIfEmpty } from "./remove-if-empty.ts";

const post = (reply: WorkerReply): void => (self as unknown as Worker).postMessage(reply);
const PROGRESS_EVERY_BYTES = 4 * 1024 * 1024;

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { file, dataKey, handle } = event.data;
  let reported = 0;
  const onProgress = (bytesRead: number): void => {
    if (bytesRead - reported >= PROGRESS_EVERY_BYTES || bytesRead === file.size) {
      reported = bytesRead;
      post({ type: "progress", bytesRead });
    }
  };
  try {
    const plain = decryptSnapshot(file.stream(), dataKey, { onProgress });
    let bytesWritten = 0;
    const counted = plain.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesWritten += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }));
    if (handle) {
      const writable = await handle.createWritable();
      await counted.pipeTo(writable); // an error aborts the writable: the target is left as it was
      post({ type: "done", bytesWritten });
    } else {
      const parts: Uint8Array[] = [];
      const reader = counted.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
      }
      post({ type: "done", bytesWritten, blob: new Blob(parts as BlobPart[], { type: "application/x-tar" }) });
    }
  } catch (error) {
    if (handle) await removeIfEmpty(handle);
    const code = (error as { code?: string }).code ?? "E_DECRYPT";
    post({ type: "failed", code, message: (error as Error).message || "The file could not be decrypted." });
  } finally {
    dataKey.fill(0);
  }
};

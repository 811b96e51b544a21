// Reads an HTTP request body with a size cap. An oversize body is not buffered, but it is still
// drained: a server that answers 413 and stops reading leaves the client blocked on a full socket
// (or sees a reset instead of the answer), which is the opposite of a clear error.
import type { IncomingMessage } from "node:http";

export type RequestBody = { kind: "ok"; bytes: Buffer } | { kind: "too-large" } | { kind: "aborted" };

/** How long an oversize upload may keep streaming after the 413 before its socket is cut. */
const DRAIN_GRACE_MS = 5_000;

/** Collects the body, or reports that it exceeds `maxBytes` as soon as that is known. */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<RequestBody> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > maxBytes) {
      drain(req);
      return resolve({ kind: "too-large" });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        drain(req);
        return resolve({ kind: "too-large" });
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve({ kind: "ok", bytes: Buffer.concat(chunks) });
      done = true;
    });
    req.on("error", () => {
      if (!done) resolve({ kind: "aborted" });
      done = true;
    });
    req.on("close", () => {
      if (!done) resolve({ kind: "aborted" });
      done = true;
    });
  });
}

/** Discards the rest of the body; cuts the connection if the client is still sending after the grace. */
function drain(req: IncomingMessage): void {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_GRACE_MS);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
}

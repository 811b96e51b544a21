// A faulty network in front of a real S3 server: an HTTP proxy on 127.0.0.1 that forwards requests
// unchanged (the Host header too, so SigV4 signatures still verify) except where a rule says to
// answer with an error status, cut a response body short, reset the connection or stall.
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { classifyS3Request } from "./classify-s3-request.ts";
import type { S3RequestKind } from "./classify-s3-request.ts";

export type FaultAction =
  /** Answer with this status and an S3 XML error body (code defaults from the status). */
  | { kind: "status"; status: number; s3Code?: string }
  /** Forward, but close the connection after this many bytes of the response body. */
  | { kind: "drop-after"; bytes: number }
  /** Close the connection without answering. */
  | { kind: "reset" }
  /** Wait, then forward (nothing is forwarded if the client gives up meanwhile). */
  | { kind: "delay"; ms: number };

export interface FaultRule {
  on: S3RequestKind | "*";
  /** 1-based index among the requests this rule matches; default 1. */
  nth?: number;
  /** How many matching requests from the nth on get the fault; default 1, Infinity for all. */
  times?: number;
  action: FaultAction;
}

export interface RecordedRequest {
  kind: S3RequestKind;
  method: string;
  url: string;
  range?: string;
  fault?: FaultAction["kind"];
}

export interface FaultyProxy {
  endpoint: string;
  /** Every request seen, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Replaces the rules and restarts their counts. */
  setRules(rules: FaultRule[]): void;
  /** Number of requests of this kind seen so far. */
  count(kind: S3RequestKind): number;
  stop(): Promise<void>;
}

const DEFAULT_S3_CODES: Record<number, string> = {
  403: "AccessDenied",
  404: "NoSuchKey",
  500: "InternalError",
  503: "SlowDown",
};

/** Starts the proxy on a random 127.0.0.1 port, forwarding to `target` (an http:// endpoint). */
export async function startFaultyProxy(options: { target: string; rules?: FaultRule[] }): Promise<FaultyProxy> {
  const target = new URL(options.target);
  const requests: RecordedRequest[] = [];
  let rules: { rule: FaultRule; seen: number }[] = [];
  const setRules = (next: FaultRule[]): void => {
    rules = next.map((rule) => ({ rule, seen: 0 }));
  };
  setRules(options.rules ?? []);

  const pickFault = (kind: S3RequestKind): FaultAction | undefined => {
    let fault: FaultAction | undefined;
    for (const entry of rules) {
      if (entry.rule.on !== "*" && entry.rule.on !== kind) continue;
      entry.seen += 1;
      const first = entry.rule.nth ?? 1;
      const last = first + (entry.rule.times ?? 1) - 1;
      // every matching rule counts the request; the first one that fires decides
      if (!fault && entry.seen >= first && entry.seen <= last) fault = entry.rule.action;
    }
    return fault;
  };

  const server = createServer((req, res) => {
    const kind = classifyS3Request(req.method ?? "GET", req.url ?? "/", req.headers);
    const fault = pickFault(kind);
    const range = typeof req.headers.range === "string" ? req.headers.range : undefined;
    requests.push({ kind, method: req.method ?? "GET", url: req.url ?? "/", range, fault: fault?.kind });

    switch (fault?.kind) {
      case "status":
        return answerWithError(req, res, fault.status, fault.s3Code);
      case "reset":
        return void req.socket.destroy();
      case "delay": {
        const timer = setTimeout(() => forward(req, res, target), fault.ms);
        res.once("close", () => clearTimeout(timer));
        return;
      }
      case "drop-after":
        return forward(req, res, target, fault.bytes);
      default:
        return forward(req, res, target);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setRules,
    count: (kind) => requests.filter((r) => r.kind === kind).length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads the request body (so the client sees an answer, not a broken pipe), then answers the error. */
function answerWithError(req: IncomingMessage, res: ServerResponse, status: number, s3Code?: string): void {
  const code = s3Code ?? DEFAULT_S3_CODES[status] ?? "InjectedFault";
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>Injected by the faulty proxy</Message></Error>`;
  req.resume();
  req.once("end", () => {
    res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

/** Forwards one request to the target; with `dropAfter`, cuts the connection after that many body bytes. */
function forward(req: IncomingMessage, res: ServerResponse, target: URL, dropAfter?: number): void {
  if (res.destroyed) return;
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
      if (dropAfter === undefined) return void up.pipe(res);
      let sent = 0;
      up.on("data", (chunk: Buffer) => {
        const room = dropAfter - sent;
        if (chunk.length < room) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            up.pause();
            res.once("drain", () => up.resume());
          }
          return;
        }
        up.destroy();
        res.write(chunk.subarray(0, room), () => res.socket?.destroy());
      });
      up.on("end", () => res.end());
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) {
      res.writeHead(502);
      res.end();
    } else {
      res.socket?.destroy();
    }
  });
  // a client that gives up must not leave its request running against the server
  res.once("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

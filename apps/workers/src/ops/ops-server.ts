// The workers' operations endpoint, on 127.0.0.1 only (a scraper or support reaches it through the
// host, never from outside): GET /metrics (Prometheus text) and GET /queues (JSON for support).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Sql } from "@nacre/db";
import type { Queue } from "bullmq";
import type { Log } from "../worker-deps.ts";
import { renderMetrics } from "./metrics.ts";
import type { Metrics } from "./metrics.ts";
import { queueView } from "./queue-view.ts";

export interface OpsServerOptions {
  port: number;
  metrics: Metrics;
  sql: Sql;
  queues: Queue[];
  now: () => Date;
  maxVms?: number;
  lastFailed?: number;
  log: Log;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const answer = async (): Promise<void> => {
      if (request.method !== "GET") {
        response.writeHead(405, { allow: "GET" }).end();
      } else if (path === "/metrics") {
        const body = await renderMetrics({ metrics: options.metrics, sql: options.sql, queues: options.queues, now: options.now(), maxVms: options.maxVms ?? 10_000 });
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
      } else if (path === "/queues") {
        const body = { at: options.now().toISOString(), queues: await queueView(options.queues, options.lastFailed ?? 20) };
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      } else {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics or /queues\n");
      }
    };
    answer().catch((error: unknown) => {
      options.log({ level: "error", message: "ops request failed", path, error: String(error) });
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end("internal error\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

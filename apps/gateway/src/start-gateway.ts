// The gateway process: an HTTP server for enrollment and health, a WebSocket endpoint (/agent) the
// agents dial, a Redis subscription for the commands routed to this replica, and the timers that keep
// it honest (ping/pong to drop dead sockets, registry refresh, heartbeat flushes, the upload sweeper).
// close() drains: agents are told to go (1012) and reconnect to another replica.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { WebSocketServer } from "ws";
import type { ControlPlane, RoutedCommand } from "@nacre/fleet";
import { gatewayChannel, publishCommandEvent, sweepExpiredUploads } from "@nacre/fleet";
import { MAX_FRAME_BYTES } from "@nacre/protocol";
import { AgentSession, AUTH_TIMEOUT_MS, CLOSE_POLICY, CLOSE_RESTART } from "./agent-session.ts";
import { handleEnroll } from "./enroll-route.ts";
import type { GatewayContext } from "./gateway-context.ts";
import { HeartbeatBuffer } from "./heartbeat-buffer.ts";
import { SessionRegistry } from "./session-registry.ts";

export interface GatewayOptions {
  gatewayId: string;
  host: string;
  port: number;
  cp: ControlPlane;
  redis: Redis;
  /** A second connection, used only for subscriptions (Redis requires it). */
  subscriber: Redis;
  heartbeatIntervalSeconds: number;
  heartbeatFlushMs: number;
  pingIntervalMs: number;
  sweepIntervalMs: number;
  /** How long a new socket has to authenticate; AUTH_TIMEOUT_MS by default. */
  authTimeoutMs?: number;
  log: (entry: Record<string, unknown>) => void;
}

export interface Gateway {
  url: string;
  port: number;
  sessions: SessionRegistry;
  heartbeats: HeartbeatBuffer;
  close(): Promise<void>;
}

/** Starts one gateway replica. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { redis, subscriber, log } = options;
  // About one slice per second of the ping interval (see SessionRegistry.sweepNextSlice).
  const slices = Math.max(1, Math.round(options.pingIntervalMs / 1000));
  const sessions = new SessionRegistry(redis, options.gatewayId, slices);
  const heartbeats = new HeartbeatBuffer(options.cp.sql, options.heartbeatFlushMs, (error) =>
    log({ level: "error", message: "heartbeat flush failed; kept for the next try", error: String(error) }),
  );
  const ctx: GatewayContext = {
    gatewayId: options.gatewayId, cp: options.cp, redis, heartbeats, sessions,
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds, authTimeoutMs: options.authTimeoutMs ?? AUTH_TIMEOUT_MS,
    now: options.cp.now, log,
  };

  const http = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/enroll") {
      handleEnroll({ sql: options.cp.sql, grantSigningKey: options.cp.grantSigningKey, now: options.cp.now, log }, req, res).catch((error: unknown) => {
        log({ level: "error", message: "enrollment failed", error: String(error) });
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"code":"E_INTERNAL","message":"enrollment failed; try again"}');
      });
      return;
    }
    if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, gatewayId: options.gatewayId, agents: sessions.authenticatedCount }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end('{"code":"E_NOT_FOUND","message":"no such route"}');
  });
  // Frames a little over the protocol's cap still reach the decoder, which answers with an error
  // frame; far larger ones make ws close that one socket (1009) before buffering them.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * MAX_FRAME_BYTES, perMessageDeflate: false });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://gateway").pathname !== "/agent") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => sessions.add(new AgentSession(ctx, ws)));
  });

  // Commands routed to this replica: write the frame to the VM's socket, or say it is not here.
  await subscriber.subscribe(gatewayChannel(options.gatewayId));
  subscriber.on("message", (channel, text) => {
    if (channel !== gatewayChannel(options.gatewayId)) return;
    let command: RoutedCommand;
    try {
      command = JSON.parse(text) as RoutedCommand;
    } catch {
      return;
    }
    const session = sessions.get(command.vmId);
    if (session && command.disconnect) session.close(CLOSE_POLICY, "identity revoked");
    else if (session) session.send(command.frame);
    else void publishCommandEvent(redis, { kind: "undeliverable", commandId: command.commandId, reason: `VM ${command.vmId} is not connected to ${options.gatewayId}` });
  });

  const timers = [
    setInterval(() => {
      void sessions.sweepNextSlice().catch((error: unknown) => log({ level: "error", message: "registry refresh failed", error: String(error) }));
    }, options.pingIntervalMs / slices),
    setInterval(() => {
      void sweepExpiredUploads(options.cp)
        .then((n) => n > 0 && log({ level: "info", message: "aborted expired uploads", count: n }))
        .catch((error: unknown) => log({ level: "error", message: "upload sweep failed", error: String(error) }));
    }, options.sweepIntervalMs),
  ];
  for (const timer of timers) timer.unref();
  heartbeats.start();

  await new Promise<void>((resolve) => http.listen(options.port, options.host, resolve));
  const port = (http.address() as AddressInfo).port;
  log({ level: "info", message: "gateway listening", gatewayId: options.gatewayId, port });

  return {
    url: `ws://${options.host}:${port}/agent`,
    port,
    sessions,
    heartbeats,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await subscriber.unsubscribe(gatewayChannel(options.gatewayId)).catch(() => {});
      for (const session of sessions.all) session.close(CLOSE_RESTART, "gateway restarting; reconnect");
      await Promise.all([...sessions.all].map((s) => sessions.release(s)));
      await heartbeats.stop();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}

// One agent's socket, from challenge to close. Nothing but agent.hello is accepted before the agent
// has proved it holds its enrolled identity key: the gateway sends a fresh nonce on connect and the
// agent must sign it within AUTH_TIMEOUT_MS, else the socket is closed with 1008. After that, every
// frame is decoded with the protocol's schemas; a frame that fails gets an error frame and a log line,
// and the connection carries on.
import { randomBytes } from "node:crypto";
import type { WebSocket } from "ws";
import type { AgentMessage, MessageOf } from "@nacre/protocol";
import { decodeAgentMessage, encodeMessage, newMessageId } from "@nacre/protocol";
import type { GatewayContext } from "./gateway-context.ts";
import { authenticate } from "./handlers/authenticate.ts";
import { handleAgentMessage } from "./handlers/handle-agent-message.ts";

export const AUTH_TIMEOUT_MS = 10_000;
export const CLOSE_POLICY = 1008;
export const CLOSE_REPLACED = 4000;
export const CLOSE_RESTART = 1012;

export class AgentSession {
  readonly socket: WebSocket;
  readonly nonce = randomBytes(32).toString("base64url");
  vmId: string | undefined;
  alive = true;
  private readonly ctx: GatewayContext;
  private readonly authTimer: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(ctx: GatewayContext, socket: WebSocket) {
    this.ctx = ctx;
    this.socket = socket;
    this.authTimer = setTimeout(() => this.close(CLOSE_POLICY, "authentication timed out"), ctx.authTimeoutMs);
    socket.on("pong", () => (this.alive = true));
    // A protocol violation (e.g. a frame over maxPayload) is this socket's problem only: ws closes it
    // (1009) and reports here; without a listener it would take the whole process down.
    socket.on("error", (error) => ctx.log({ level: "warn", message: "socket error", vmId: this.vmId, error: String(error) }));
    // Frames of one socket are handled in order (a done report must not overtake its part requests).
    socket.on("message", (data, isBinary) => {
      this.queue = this.queue.then(() => this.onFrame(data as Buffer, isBinary)).catch((error: unknown) => {
        ctx.log({ level: "error", message: "frame handler failed", vmId: this.vmId, error: String(error) });
      });
    });
    socket.on("close", () => {
      clearTimeout(this.authTimer);
      void ctx.sessions.release(this);
    });
    this.send(encodeMessage("auth.challenge", newMessageId(), { nonce: this.nonce, gatewayId: ctx.gatewayId, serverTime: ctx.now().toISOString() }));
  }

  get authenticated(): boolean {
    return this.vmId !== undefined;
  }

  send(frame: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  sendError(code: string, message: string, replyTo?: string): void {
    this.send(encodeMessage("error", newMessageId(), { code, message, ...(replyTo ? { replyTo } : {}) }));
  }

  close(code: number, reason: string): void {
    clearTimeout(this.authTimer);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    const decoded = isBinary
      ? { ok: false as const, error: { code: "E_NOT_JSON", message: "frames are JSON text, not binary", id: undefined as string | undefined } }
      : decodeAgentMessage(data);
    if (!decoded.ok) {
      this.ctx.log({ level: "warn", message: "refused frame", vmId: this.vmId, code: decoded.error.code, detail: decoded.error.message });
      this.sendError(decoded.error.code, decoded.error.message, decoded.error.id);
      if (!this.authenticated) this.close(CLOSE_POLICY, "authenticate first");
      return;
    }
    const message = decoded.message;
    if (!this.authenticated) {
      if (message.type !== "agent.hello") {
        this.sendError("E_NOT_AUTHENTICATED", "send agent.hello before anything else", message.id);
        this.close(CLOSE_POLICY, "authenticate first");
        return;
      }
      clearTimeout(this.authTimer);
      await this.onHello(message);
      return;
    }
    if (message.type === "agent.hello") {
      this.sendError("E_ALREADY_AUTHENTICATED", "this connection is already authenticated", message.id);
      return;
    }
    await handleAgentMessage(this.ctx, this, message as AgentMessage);
  }

  private async onHello(message: MessageOf<"agent.hello">): Promise<void> {
    const result = await authenticate(this.ctx, this.nonce, message.payload);
    if (!result.ok) {
      this.ctx.log({ level: "warn", message: "authentication refused", vmId: message.payload.vmId, code: result.code });
      this.sendError(result.code, result.message, message.id);
      this.close(CLOSE_POLICY, result.code);
      return;
    }
    this.vmId = message.payload.vmId;
    await this.ctx.sessions.claim(this);
    this.send(encodeMessage("auth.ok", newMessageId(), { vmId: this.vmId, heartbeatIntervalSeconds: this.ctx.heartbeatIntervalSeconds, initialRestore: result.initialRestore }));
  }
}

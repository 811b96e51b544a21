// The agent's one link to the control plane: dials the gateway (the agent is behind NAT, so it always
// dials out), answers the challenge with its identity key, and keeps the link up with jittered backoff.
// Frames that cannot be decoded are answered with an error frame and logged; the link carries on.
import type { KeyObject } from "node:crypto";
import { encodeMessage, isCommand, newMessageId } from "@nacre/protocol";
import type { AgentMessageType, AuthOk, CommandMessage, GatewayMessage, MessageOf, PayloadOf } from "@nacre/protocol";
import type { Output } from "../runtime/output.ts";
import { backoffDelay } from "./backoff-delay.ts";
import { decodeFrame } from "./decode-frame.ts";
import { CLOSE_POLICY, describeDisconnect } from "./describe-disconnect.ts";
import { Disconnected, PendingReplies, ReplyError } from "./pending-replies.ts";
import { signHello } from "./sign-hello.ts";
import { waitForWake } from "./wait-for-wake.ts";
import { warnClockSkew } from "./warn-clock-skew.ts";

/** From dialling to auth.ok; a gateway that takes longer is treated as down. */
const AUTH_TIMEOUT_MS = 15_000;
/** Slack on top of two heartbeat intervals before a silent link counts as dead (see watchLink). */
const STALE_SLACK_MS = 5_000;

export interface GatewayConnectionOptions {
  url: string;
  vmId: string;
  /** Ed25519 private key; signs each connection's challenge. */
  identityKey: KeyObject;
  agentVersion: string;
  out: Output;
  now: () => Date;
  random?: () => number;
  onAuthenticated: (ok: AuthOk) => void;
  onDisconnected: () => void;
  onCommand: (message: CommandMessage) => void;
}

type State = "connecting" | "authenticating" | "authenticated" | "waiting" | "stopped";

export interface RequestOptions {
  /** How long to wait for the reply once the request is sent. */
  timeoutMs: number;
  /** How long to wait for an authenticated connection before giving up. */
  connectTimeoutMs: number;
  signal: AbortSignal;
}

export class GatewayConnection {
  private readonly opts: GatewayConnectionOptions;
  private readonly random: () => number;
  private readonly replies = new PendingReplies();
  /** Encoded reports waiting for the next authenticated connection. */
  private readonly outbox: string[] = [];
  private readonly authWaiters = new Set<() => void>();
  private socket: WebSocket | undefined;
  private state: State = "waiting";
  private failures = 0;
  private attempts = 0;
  private helloSent = false;
  private lastError = "";
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastHeardAt = 0;
  private onClosed: (() => void) | undefined;

  constructor(opts: GatewayConnectionOptions) {
    this.opts = opts;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.connect();
  }

  get authenticated(): boolean {
    return this.state === "authenticated" && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends now if authenticated, else drops it and returns false: for heartbeats, progress and acks. */
  send<T extends AgentMessageType>(type: T, payload: PayloadOf<T>, id: string = newMessageId()): boolean {
    const frame = encodeMessage(type, id, payload);
    if (!this.authenticated) return false;
    this.socket!.send(frame);
    return true;
  }

  /** Sends now, or right after the next authentication: reports must reach the control plane. */
  sendReport<T extends AgentMessageType>(type: T, payload: PayloadOf<T>): void {
    const frame = encodeMessage(type, newMessageId(), payload);
    if (this.authenticated) this.socket!.send(frame);
    else this.outbox.push(frame);
  }

  /** Sends a request and resolves with the frame that answers it; asks again on the next connection if this one drops. */
  async request<T extends AgentMessageType>(type: T, payload: PayloadOf<T>, options: RequestOptions): Promise<GatewayMessage> {
    for (;;) {
      options.signal.throwIfAborted();
      await this.whenAuthenticated(options.connectTimeoutMs, options.signal);
      const id = newMessageId();
      const reply = this.replies.wait(id, type, options.timeoutMs, options.signal);
      if (!this.send(type, payload, id)) this.replies.fail(id, new Disconnected());
      try {
        return await reply;
      } catch (error) {
        if (!(error instanceof Disconnected)) throw error;
      }
    }
  }

  /** Closes the link for good (1000) and resolves once it is closed. */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    const socket = this.socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, 2_000);
      this.onClosed = () => {
        clearTimeout(giveUp);
        resolve();
      };
      socket.close(1000, "agent stopping");
    });
  }

  private connect(): void {
    this.attempts++;
    this.helloSent = false;
    this.lastError = "";
    this.log("connecting", `connecting to ${this.opts.url}`, { url: this.opts.url, attempt: this.attempts });
    const socket = new WebSocket(this.opts.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.timer = setTimeout(() => {
      this.lastError = `not authenticated within ${AUTH_TIMEOUT_MS / 1000} s`;
      socket.close();
    }, AUTH_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      if (this.socket === socket && this.state === "connecting") this.log("authenticating", "connected, waiting for the challenge");
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      // A throwing listener would surface as an uncaught exception and end the daemon: never for one frame.
      try {
        this.onFrame(socket, event.data as unknown);
      } catch (error) {
        this.opts.out.error("E_INTERNAL", `handling a frame from the gateway failed: ${(error as Error).stack ?? String(error)}`);
      }
    });
    socket.addEventListener("error", (event) => {
      const detail = (event as { error?: { cause?: { code?: string }; message?: string }; message?: string });
      this.lastError ||= detail.error?.cause?.code ?? detail.error?.message ?? detail.message ?? "connection error";
    });
    socket.addEventListener("close", (event) => this.onClose(socket, event.code, event.reason));
  }

  private onFrame(socket: WebSocket, data: unknown): void {
    this.lastHeardAt = Date.now();
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      const { code, message, id: replyTo } = decoded.error;
      this.opts.out.warn(code, `refused a frame from the gateway: ${message}`, { event: "gateway.bad-frame", replyTo });
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeMessage("error", newMessageId(), { code, message, ...(replyTo ? { replyTo } : {}) }));
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case "auth.challenge":
        return this.answerChallenge(socket, message);
      case "auth.ok":
        return this.onAuthOk(socket, message);
      case "heartbeat.ack":
        return;
      case "error":
      case "upload.parts":
        if (this.replies.settle(message)) return;
        if (message.type === "error") {
          this.opts.out.warn(message.payload.code, `the gateway reported: ${message.payload.message}`, { event: "gateway.error", replyTo: message.payload.replyTo });
        } else {
          this.opts.out.warn("W_UNEXPECTED_REPLY", "upload.parts answers no request that is still waiting; ignored", { replyTo: message.payload.replyTo });
        }
        return;
      default:
        if (!isCommand(message)) return;
        if (this.state !== "authenticated") {
          this.opts.out.warn("W_UNAUTHENTICATED_COMMAND", `ignored ${message.type} sent before authentication`, { id: message.id });
          return;
        }
        this.opts.onCommand(message);
    }
  }

  private answerChallenge(socket: WebSocket, challenge: MessageOf<"auth.challenge">): void {
    if (this.state !== "authenticating" || this.helloSent) {
      this.opts.out.warn("W_UNEXPECTED_CHALLENGE", "ignored a second auth.challenge on this connection");
      return;
    }
    const { vmId, agentVersion, identityKey } = this.opts;
    const hello = signHello({ challenge: challenge.payload, vmId, agentVersion, identityKey });
    socket.send(encodeMessage("agent.hello", newMessageId(), hello));
    this.helloSent = true;
    const { gatewayId, serverTime } = challenge.payload;
    this.opts.out.info("answered the challenge", { event: "gateway.hello", gatewayId, serverTime });
    warnClockSkew(serverTime, this.opts.now(), this.opts.out);
  }

  private onAuthOk(socket: WebSocket, ok: MessageOf<"auth.ok">): void {
    if (this.state !== "authenticating" || !this.helloSent) {
      this.opts.out.warn("W_UNEXPECTED_AUTH_OK", "ignored an auth.ok that answers no hello");
      return;
    }
    if (ok.payload.vmId.toLowerCase() !== this.opts.vmId) {
      this.lastError = `the gateway authenticated VM ${ok.payload.vmId}, but this is VM ${this.opts.vmId}`;
      this.opts.out.error("E_WRONG_VM", `${this.lastError} — closing the connection`);
      socket.close();
      return;
    }
    clearTimeout(this.timer);
    this.failures = 0;
    this.log("authenticated", `authenticated as VM ${this.opts.vmId}`, { vmId: this.opts.vmId, heartbeatIntervalSeconds: ok.payload.heartbeatIntervalSeconds });
    // Reports first: they are older than anything the callbacks below will send.
    for (const frame of this.outbox.splice(0)) socket.send(frame);
    for (const wake of [...this.authWaiters]) wake();
    this.watchLink(socket, ok.payload.heartbeatIntervalSeconds * 1000);
    this.opts.onAuthenticated(ok.payload);
  }

  // The gateway answers every heartbeat with heartbeat.ack. A link that carries nothing for two
  // intervals is dead even if TCP has not noticed (a NAT that dropped the flow, a vanished host):
  // Node's WebSocket client cannot send pings, and waiting for TCP would take many minutes. Treat it as
  // closed now and dial again; the old socket is abandoned and its late close event ignored.
  private watchLink(socket: WebSocket, intervalMs: number): void {
    clearInterval(this.watchdog);
    const staleAfterMs = 2 * intervalMs + STALE_SLACK_MS;
    this.watchdog = setInterval(() => {
      if (this.socket !== socket || this.state !== "authenticated") return;
      const silentMs = Date.now() - this.lastHeardAt;
      if (silentMs <= staleAfterMs) return;
      this.lastError = `nothing from the gateway for ${Math.round(silentMs / 1000)} s: the link is dead`;
      socket.close();
      this.onClose(socket, 1006, "stale link");
    }, Math.min(intervalMs, 5_000));
    this.watchdog.unref();
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (this.socket !== socket) return;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.socket = undefined;
    const wasAuthenticated = this.state === "authenticated";
    this.replies.failAll(new Disconnected());
    if (wasAuthenticated) this.opts.onDisconnected();
    if (this.state === "stopped") {
      this.opts.out.info("disconnected from the gateway", { event: "gateway.closed", closeCode: code });
      this.onClosed?.();
      return;
    }
    const delay = backoffDelay(this.failures, this.random, code === CLOSE_POLICY);
    this.failures++;
    const line = describeDisconnect({ closeCode: code, closeReason: reason, error: this.lastError, wasAuthenticated, retryInMs: delay });
    this.log("waiting", line.message, line.fields, line.code);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private whenAuthenticated(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.authenticated) return Promise.resolve();
    const register = (wake: () => void) => {
      this.authWaiters.add(wake);
      return () => this.authWaiters.delete(wake);
    };
    const unreachable = () => new ReplyError("E_GATEWAY_UNREACHABLE", `no connection to the gateway for ${Math.round(timeoutMs / 1000)} s`);
    return waitForWake(register, timeoutMs, unreachable, signal);
  }

  /** Moves to `state` and logs the change as one line (a JSON line when not on a terminal). */
  private log(state: State, message: string, fields: Record<string, unknown> = {}, code?: string): void {
    this.state = state;
    const line = { event: `gateway.${state}`, ...fields };
    if (code === undefined) this.opts.out.info(message, line);
    else if (code.startsWith("E_")) this.opts.out.error(code, message, line);
    else this.opts.out.warn(code, message, line);
  }
}

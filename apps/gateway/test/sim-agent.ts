// A simulated agent speaking the real protocol over a real socket: what the tests and the fleet
// benchmark use to stand in for many VMs. It authenticates exactly as the agent does (Ed25519 over
// authSigningBytes) and records every frame it receives.
import { sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import WebSocket from "ws";
import type { GatewayMessage, MessageType, PayloadOf } from "@nacre/protocol";
import { authSigningBytes, decodeGatewayMessage, encodeMessage, newMessageId } from "@nacre/protocol";

export interface SimAgentOptions {
  url: string;
  vmId: string;
  identityKey: KeyObject;
  /** Skip the hello (to test what the gateway does with an unauthenticated socket). */
  noHello?: boolean;
}

export class SimAgent {
  readonly socket: WebSocket;
  readonly received: GatewayMessage[] = [];
  readonly raw: string[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  constructor(options: SimAgentOptions) {
    this.socket = new WebSocket(options.url);
    this.closed = new Promise((resolve) => this.socket.on("close", (code) => {
      this.closeCode = code;
      this.wake();
      resolve(code);
    }));
    this.socket.on("message", (data) => {
      const text = (data as Buffer).toString("utf8");
      this.raw.push(text);
      const decoded = decodeGatewayMessage(text);
      if (decoded.ok) {
        this.received.push(decoded.message);
        if (decoded.message.type === "auth.challenge" && !options.noHello) {
          const { nonce, gatewayId } = decoded.message.payload;
          const signature = sign(null, authSigningBytes({ nonce, vmId: options.vmId, gatewayId }), options.identityKey);
          this.send("agent.hello", { vmId: options.vmId, agentVersion: "0.1.0-sim", capabilities: ["snapshot.v1"], nonce, signature: signature.toString("base64url") });
        }
      }
      this.wake();
    });
  }

  send<T extends MessageType>(type: T, payload: PayloadOf<T>, id = newMessageId()): string {
    this.socket.send(encodeMessage(type, id, payload));
    return id;
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** The first received message of `type` matching `filter` (waits up to `timeoutMs`). */
  async next<T extends GatewayMessage["type"]>(
    type: T,
    filter: (m: Extract<GatewayMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<GatewayMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m): m is Extract<GatewayMessage, { type: T }> => m.type === type && filter(m as Extract<GatewayMessage, { type: T }>));
      if (found) {
        this.received.splice(this.received.indexOf(found), 1);
        return found;
      }
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once authenticated (auth.ok). */
  async ready(): Promise<void> {
    await this.next("auth.ok");
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

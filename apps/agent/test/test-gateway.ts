// A stand-in for the control plane's gateway, as small as the agent's tests need: POST /enroll, and on
// /agent the challenge, a real check of the hello's signature against the enrolled key, auth.ok, and a
// record of every frame the agent sends (each decoded with the protocol's own schemas).
import { randomBytes, randomUUID, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { exportPublicKey, generateSigningKeyPair, importPublicKey } from "@nacre/core";
import { authSigningBytes, decodeAgentMessage, encodeMessage, newMessageId } from "@nacre/protocol";
import type { AgentMessage, AgentMessageType, GatewayMessageType, MessageOf, PayloadOf } from "@nacre/protocol";
import { acceptWebSocket } from "./ws-server.ts";
import type { ServerSocket } from "./ws-server.ts";

export const GATEWAY_ID = "test-gateway-1";

export interface EnrollBody {
  token: string;
  identityKey: string;
  sealingKey: string;
  agentVersion: string;
}

export type EnrollAnswer = { status: number; body: unknown };

/** One agent connection as the gateway sees it. */
export class AgentLink {
  readonly socket: ServerSocket;
  readonly received: AgentMessage[] = [];
  /** Decode errors of frames the agent sent (there should be none). */
  readonly refused: string[] = [];
  authenticated = false;
  private readonly waiters = new Set<() => void>();
  private readonly listeners: ((message: AgentMessage) => void)[] = [];

  constructor(socket: ServerSocket) {
    this.socket = socket;
  }

  /** Sends a gateway message; returns its id. */
  send<T extends GatewayMessageType>(type: T, payload: PayloadOf<T>, id = newMessageId()): string {
    this.socket.send(encodeMessage(type, id, payload));
    return id;
  }

  /** Resolves with the first received message of `type` matching `match` (waiting for it if need be). */
  async waitFor<T extends AgentMessageType>(type: T, match: (m: MessageOf<T>) => boolean = () => true, timeoutMs = 30_000): Promise<MessageOf<T>> {
    const find = () => this.received.find((m): m is MessageOf<T> => m.type === type && match(m as MessageOf<T>));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} from the agent within ${timeoutMs} ms; got: ${this.received.map((m) => m.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 200);
        this.waiters.add(wake);
      });
    }
  }

  /** Every received message of `type`. */
  all<T extends AgentMessageType>(type: T): MessageOf<T>[] {
    return this.received.filter((m): m is MessageOf<T> => m.type === type);
  }

  /** Calls `listener` with every message received from now on (to answer requests). */
  onMessage(listener: (message: AgentMessage) => void): void {
    this.listeners.push(listener);
  }

  push(message: AgentMessage): void {
    this.received.push(message);
    for (const listener of this.listeners) listener(message);
    for (const wake of [...this.waiters]) wake();
  }
}

export interface TestGateway {
  /** ws://127.0.0.1:<port>/agent */
  url: string;
  /** The control plane's grant signing key pair. */
  controlPlane: { publicKey: KeyObject; privateKey: KeyObject };
  enrollments: EnrollBody[];
  /** Enrolled identity (Ed25519) and sealing (X25519) public keys by VM id. */
  agents: Map<string, { identityKey: KeyObject; sealingKey: KeyObject }>;
  /** Answers POST /enroll; the default enrolls with a fresh VM id. */
  answerEnroll: (body: EnrollBody) => EnrollAnswer;
  links: AgentLink[];
  heartbeatIntervalSeconds: number;
  /** Answer heartbeats with heartbeat.ack, as the real gateway does; false plays a link that died silently. */
  ackHeartbeats: boolean;
  /** Resolves with the n-th connection (0-based) once it is authenticated. */
  authenticatedLink(n: number, timeoutMs?: number): Promise<AgentLink>;
  stop(): Promise<void>;
}

/** Starts a test gateway on a free loopback port. */
export async function startTestGateway(): Promise<TestGateway> {
  const controlPlane = generateSigningKeyPair();
  const server: Server = createServer();
  const sockets = new Set<Duplex>();
  const gateway: TestGateway = {
    url: "",
    controlPlane,
    enrollments: [],
    agents: new Map(),
    links: [],
    heartbeatIntervalSeconds: 5,
    ackHeartbeats: true,
    answerEnroll: (body) => {
      const vmId = randomUUID();
      gateway.agents.set(vmId, { identityKey: importPublicKey(body.identityKey, "ed25519"), sealingKey: importPublicKey(body.sealingKey, "x25519") });
      return { status: 200, body: { vmId, controlPlaneKey: exportPublicKey(controlPlane.publicKey) } };
    },
    async authenticatedLink(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!gateway.links[n]?.authenticated) {
        if (Date.now() > deadline) throw new Error(`connection ${n} was not authenticated within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return gateway.links[n]!;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  server.on("request", async (req, res) => {
    if (req.method !== "POST" || req.url !== "/enroll") return void res.writeHead(404).end();
    const body = JSON.parse(await readBody(req)) as EnrollBody;
    gateway.enrollments.push(body);
    const answer = gateway.answerEnroll(body);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/agent") return void socket.destroy();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const link = new AgentLink(acceptWebSocket(req, socket, head));
    gateway.links.push(link);
    const nonce = randomBytes(32).toString("base64url");
    link.socket.onText((text) => {
      const decoded = decodeAgentMessage(text);
      if (!decoded.ok) return void link.refused.push(`${decoded.error.code}: ${decoded.error.message}`);
      link.push(decoded.message);
      if (decoded.message.type === "agent.hello") checkHello(gateway, link, nonce, decoded.message);
      if (decoded.message.type === "heartbeat" && gateway.ackHeartbeats) link.send("heartbeat.ack", { receivedAt: new Date().toISOString() });
    });
    link.send("auth.challenge", { nonce, gatewayId: GATEWAY_ID, serverTime: new Date().toISOString() });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gateway.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
  return gateway;
}

function checkHello(gateway: TestGateway, link: AgentLink, nonce: string, hello: MessageOf<"agent.hello">): void {
  const { vmId, signature } = hello.payload;
  const agent = gateway.agents.get(vmId);
  const signed = authSigningBytes({ nonce, vmId, gatewayId: GATEWAY_ID });
  const good = agent !== undefined && hello.payload.nonce === nonce && verify(null, signed, agent.identityKey, Buffer.from(signature, "base64url"));
  if (!good) {
    link.send("error", { code: "E_AUTH_FAILED", message: "unknown or unenrolled agent, or a bad signature", replyTo: hello.id });
    link.socket.close(1008, "E_AUTH_FAILED");
    return;
  }
  link.authenticated = true;
  link.send("auth.ok", { vmId, heartbeatIntervalSeconds: gateway.heartbeatIntervalSeconds });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

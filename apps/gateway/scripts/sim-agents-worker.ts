// One slice of the simulated fleet, in its own process (each holds a few thousand sockets, under its
// own open-files limit). Every agent is the tests' SimAgent, so the handshake and the frames are the
// real protocol's; on top of it this process adds what a running agent does all day: a heartbeat at
// once and then every heartbeatIntervalSeconds (the interval auth.ok names, as the real agent does),
// and command.accepted for every command it receives. It is driven by the bench over IPC (fleet-ipc.ts)
// and exits when the bench goes away, so no agent outlives a run.
import { generateKeyPairSync, randomInt } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { isCommand } from "@nacre/protocol";
import { SimAgent } from "../test/sim-agent.ts";
import type { ConnectOrder, FromWorker, SimIdentity, ToWorker, WorkerStats } from "./fleet-ipc.ts";

interface Member {
  vmId: string;
  agent: SimAgent;
  heartbeat: NodeJS.Timeout | undefined;
  authenticated: boolean;
}

const keys = new Map<string, KeyObject>();
const members: Member[] = [];
const stats: WorkerStats = { authenticated: 0, heartbeatsSent: 0, commandsAccepted: 0, droppedAfterAuth: 0 };
let leaving = false;

const reply = (message: FromWorker): void => {
  process.send?.(message);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const rawPublic = (key: KeyObject): string => Buffer.from(key.export({ format: "jwk" }).x as string, "base64url").toString("hex");

/** Keys made here, as the agent makes its own; only the public halves leave the process. */
function makeKeys(vmIds: string[]): SimIdentity[] {
  return vmIds.map((vmId) => {
    const identity = generateKeyPairSync("ed25519");
    const sealing = generateKeyPairSync("x25519");
    keys.set(vmId, identity.privateKey);
    return { vmId, identityKey: rawPublic(identity.publicKey), sealingKey: rawPublic(sealing.publicKey) };
  });
}

/** Dials one agent and resolves with its handshake time once auth.ok arrives. */
function dial(vmId: string, url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const agent = new SimAgent({ url, vmId, identityKey: keys.get(vmId) as KeyObject });
  const member: Member = { vmId, agent, heartbeat: undefined, authenticated: false };
  members.push(member);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no auth.ok within ${timeoutMs} ms`));
      agent.socket.terminate();
    }, timeoutMs);
    // SimAgent keeps every frame for the tests to inspect; here the frames are consumed as they come,
    // so a long run holds nothing per agent beyond its socket.
    agent.socket.on("message", () => {
      const inbox = agent.received.splice(0);
      agent.raw.length = 0;
      for (const message of inbox) {
        if (message.type === "auth.ok") {
          clearTimeout(timer);
          member.authenticated = true;
          stats.authenticated++;
          startHeartbeats(member, message.payload.heartbeatIntervalSeconds);
          resolve(performance.now() - started);
        } else if (isCommand(message)) {
          agent.send("command.accepted", { replyTo: message.id });
          stats.commandsAccepted++;
        }
      }
    });
    agent.socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void agent.closed.then((code) => {
      clearTimeout(timer);
      clearInterval(member.heartbeat);
      if (member.authenticated) {
        stats.authenticated--;
        if (!leaving) stats.droppedAfterAuth++;
      }
      reject(new Error(`closed with ${code} before auth.ok`));
    });
  });
}

function startHeartbeats(member: Member, intervalSeconds: number): void {
  const beat = (): void => {
    member.agent.send("heartbeat", {
      agentVersion: "0.1.0-sim", diskFreeBytes: randomInt(1, 2 ** 40), appStatus: "running",
      lastBackupSucceededAt: null, lastBackupError: null, busySnapshotId: null,
    });
    stats.heartbeatsSent++;
  };
  beat();
  member.heartbeat = setInterval(beat, intervalSeconds * 1000);
}

/** Dials every agent of the slice at the ordered rate, never more than maxInFlight handshakes at once. */
async function connectAll(order: ConnectOrder): Promise<void> {
  const vmIds = [...keys.keys()].slice(0, order.count);
  const handshakeMs: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < vmIds.length; i++) {
    // Pace by the clock rather than by a fixed sleep, so timer slack does not lower the rate.
    while (inFlight >= order.maxInFlight || i > ((performance.now() - start) / 1000) * order.ratePerSecond) await sleep(2);
    inFlight++;
    const url = order.urls[i % order.urls.length] as string;
    pending.push(
      dial(vmIds[i] as string, url, order.handshakeTimeoutMs).then(
        (ms) => void handshakeMs.push(ms),
        (error: unknown) => {
          failed++;
          if (failures.length < 5) failures.push(String(error));
        },
      ).finally(() => inFlight--),
    );
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - start;
  const connected = members.filter((m) => m.authenticated && m.agent.closeCode === undefined).map((m) => m.vmId);
  reply({ type: "connected", authenticated: connected.length, failed, failures, elapsedMs, handshakeMs, vmIds: connected });
}

async function disconnectAll(): Promise<void> {
  leaving = true;
  for (const member of members) {
    clearInterval(member.heartbeat);
    member.agent.close();
  }
  // A peer that never answers the close handshake must not hold the bench up.
  const forced = setTimeout(() => members.forEach((m) => m.agent.socket.terminate()), 5_000);
  await Promise.all(members.map((m) => m.agent.closed));
  clearTimeout(forced);
  members.length = 0;
  leaving = false;
  reply({ type: "disconnected" });
}

process.on("disconnect", () => process.exit(0));
process.on("message", (message: ToWorker) => {
  const run = async (): Promise<void> => {
    switch (message.type) {
      case "keys":
        return reply({ type: "keys", identities: makeKeys(message.vmIds) });
      case "connect":
        return connectAll(message);
      case "stats":
        return reply({ type: "stats", ...stats });
      case "disconnect":
        return disconnectAll();
    }
  };
  run().catch((error: unknown) => reply({ type: "failed", message: String((error as Error).stack ?? error) }));
});

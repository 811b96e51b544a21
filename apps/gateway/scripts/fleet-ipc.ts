// The messages between the fleet benchmark and its agent processes (Node IPC, JSON). One process
// simulates a slice of the fleet: it makes the slice's keys, then dials, holds and drops the sockets
// when told, and reports counts. Nothing here is protocol: the agents speak the real one to the gateway.

/** The public halves of one simulated VM's keys, raw 32 bytes in hex (the bench writes them in bulk). */
export interface SimIdentity {
  vmId: string;
  identityKey: string;
  sealingKey: string;
}

export interface ConnectOrder {
  /** Dial the first `count` agents of the slice (all of them when it is larger). */
  count: number;
  /** Agent i of the slice dials urls[i % urls.length]: several replicas share the slice evenly. */
  urls: string[];
  /** Connections started per second by this process. */
  ratePerSecond: number;
  /** Handshakes in flight at most; a slow gateway slows the dialling instead of piling sockets up. */
  maxInFlight: number;
  /** How long one handshake (open → auth.ok) may take. */
  handshakeTimeoutMs: number;
}

export type ToWorker =
  | { type: "keys"; vmIds: string[] }
  | ({ type: "connect" } & ConnectOrder)
  | { type: "stats" }
  | { type: "disconnect" };

export interface WorkerStats {
  /** Sockets open and authenticated now. */
  authenticated: number;
  heartbeatsSent: number;
  commandsAccepted: number;
  /** Authenticated sockets that closed without being told to. */
  droppedAfterAuth: number;
}

export interface ConnectResult {
  authenticated: number;
  failed: number;
  /** The first few reasons, for the report. */
  failures: string[];
  /** From the first dial to the last handshake's end. */
  elapsedMs: number;
  /** Each authenticated agent's handshake, socket creation to auth.ok, in ms. */
  handshakeMs: number[];
  /** The VMs whose agent is authenticated (the bench sends commands to these). */
  vmIds: string[];
}

export type FromWorker =
  | { type: "keys"; identities: SimIdentity[] }
  | ({ type: "connected" } & ConnectResult)
  | ({ type: "stats" } & WorkerStats)
  | { type: "disconnected" }
  | { type: "failed"; message: string };

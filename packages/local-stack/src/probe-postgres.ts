// Whether a port holds a PostgreSQL server we can use as-is. An open port is not enough (anything
// may listen there) and neither is pg_isready's "accepting connections" (a server that wants a
// password accepts too), so the probe speaks the protocol's first step: a startup message for user
// postgres, answered by ReadyForQuery only when that user gets in without a password. pg_isready,
// when installed, is asked first because it is the standard check and cheap.
import { connect } from "node:net";
import { runCommand } from "./run-command.ts";

export interface PostgresProbe {
  /** ready: trust auth for the user; starting: the server is not yet accepting; refused: it is
   *  PostgreSQL but will not let the user in without more (a password, a pg_hba rule). */
  state: "ready" | "starting" | "refused" | "not-postgres" | "closed";
  /** What the server said, for a person deciding what to do. */
  detail: string;
}

export interface ProbePostgresOptions {
  /** Path of pg_isready to ask first, or null to speak the protocol only. */
  pgIsReady?: string | null;
  user?: string;
  database?: string;
  timeoutMs?: number;
}

const PROTOCOL_3_0 = 196_608;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

/** Probes 127.0.0.1:<port>; never throws. */
export async function probePostgres(port: number, options: ProbePostgresOptions = {}): Promise<PostgresProbe> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (options.pgIsReady) {
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const result = await runCommand(options.pgIsReady, ["-h", "127.0.0.1", "-p", String(port), "-t", seconds]).catch(() => null);
    // 1: the server rejects connections (starting up or shutting down); 2: nothing answered
    if (result?.code === 1) return { state: "starting", detail: result.output };
    if (result?.code === 2) {
      const handshake = await startupHandshake(port, options.user ?? "postgres", options.database ?? "postgres", timeoutMs);
      return handshake.state === "closed" ? handshake : { state: "not-postgres", detail: `pg_isready: ${result.output}` };
    }
  }
  return startupHandshake(port, options.user ?? "postgres", options.database ?? "postgres", timeoutMs);
}

/** Sends a v3 startup message and classifies the first message of the answer. */
function startupHandshake(port: number, user: string, database: string, timeoutMs: number): Promise<PostgresProbe> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (probe: PostgresProbe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Terminate instead of just closing, so that the server does not log "unexpected EOF"
      // for every probe (people read the shared server's log).
      if (probe.state === "ready") socket.end(TERMINATE);
      else socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(() => finish({ state: "not-postgres", detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once("connect", () => socket.write(startupMessage(user, database)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const probe = classifyAnswer(received, user);
      if (probe) finish(probe);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") finish({ state: "closed", detail: "nothing listens there" });
      else finish({ state: "not-postgres", detail: err.message });
    });
    socket.on("close", () => finish({ state: "not-postgres", detail: "closed the connection without a PostgreSQL answer" }));
  });
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0application_name\0nacre-local-stack-probe\0\0`);
  const message = Buffer.alloc(8 + params.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(PROTOCOL_3_0, 4);
  params.copy(message, 8);
  return message;
}

/**
 * The verdict once the answer says enough; undefined while more bytes are needed. AuthenticationOk
 * alone is not enough: with trust auth the server says it before it checks that the role and the
 * database exist, so only ReadyForQuery means "usable".
 */
function classifyAnswer(bytes: Buffer, user: string): PostgresProbe | undefined {
  let offset = 0;
  while (offset < bytes.length) {
    const type = String.fromCharCode(bytes[offset]!);
    if (!"REZSKNv".includes(type)) {
      return { state: "not-postgres", detail: "answered with something other than PostgreSQL's protocol" };
    }
    if (bytes.length < offset + 5) return undefined;
    const length = bytes.readInt32BE(offset + 1);
    if (length < 4 || length > 16_384) return { state: "not-postgres", detail: "answered with a malformed message" };
    if (bytes.length < offset + 1 + length) return undefined;
    const body = bytes.subarray(offset + 5, offset + 1 + length);
    if (type === "R" && body.length >= 4 && body.readInt32BE(0) !== 0) {
      return { state: "refused", detail: `asks user ${user} for a password (authentication request ${body.readInt32BE(0)})` };
    }
    if (type === "E") {
      const fields = errorFields(body);
      if (fields.C === "57P03") return { state: "starting", detail: fields.M ?? "the database system is starting up" };
      return { state: "refused", detail: `${fields.S ?? "ERROR"}: ${fields.M ?? "unknown error"} (${fields.C ?? "no code"})` };
    }
    if (type === "Z") return { state: "ready", detail: `user ${user} gets in without a password` };
    offset += 1 + length;
  }
  return undefined;
}

/** An ErrorResponse body: (type byte, C string) pairs up to a zero byte. */
function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const type = String.fromCharCode(body[offset]!);
    const end = body.indexOf(0, offset + 1);
    if (end === -1) break;
    fields[type] = body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  return fields;
}

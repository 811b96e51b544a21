// Whether a port holds a Redis server we can use as-is: an open port is not enough, so the probe
// sends PING in RESP (what redis-cli would send) and only "+PONG" counts. Raw socket, because the
// local stack has no Redis client and needs none for one command.
import { connect } from "node:net";

export interface RedisProbe {
  /** refused: it is Redis but wants a password (NOAUTH) or errs; starting: it is loading its data. */
  state: "ready" | "starting" | "refused" | "not-redis" | "closed";
  detail: string;
}

const PING = "*1\r\n$4\r\nPING\r\n";

/** Probes 127.0.0.1:<port>; never throws. */
export function probeRedis(port: number, timeoutMs = 2_000): Promise<RedisProbe> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    let settled = false;
    const finish = (probe: RedisProbe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(() => finish({ state: "not-redis", detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once("connect", () => socket.write(PING));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n");
      if (end === -1) {
        if (received.length > 512) finish({ state: "not-redis", detail: "answered with something other than RESP" });
        return;
      }
      const line = received.slice(0, end);
      if (line === "+PONG") finish({ state: "ready", detail: "answers PING" });
      else if (line.startsWith("-LOADING")) finish({ state: "starting", detail: line.slice(1) });
      else if (line.startsWith("-")) finish({ state: "refused", detail: line.slice(1) });
      else finish({ state: "not-redis", detail: `answered PING with ${JSON.stringify(line.slice(0, 80))}` });
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") finish({ state: "closed", detail: "nothing listens there" });
      else finish({ state: "not-redis", detail: err.message });
    });
    socket.on("close", () => finish({ state: "not-redis", detail: "closed the connection without answering PING" }));
  });
}

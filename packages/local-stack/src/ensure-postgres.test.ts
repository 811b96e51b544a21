// PostgreSQL found, not started: these tests use the server this machine already runs (they are
// skipped where there is none) and never install or start one, which would be slow and invasive.
// The start path was exercised by hand (see docs/local-stack.md); here the probe that decides
// between "use it" and "start our own" meets a real server and ports that only pretend.
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ensurePgTap } from "./ensure-pgtap.ts";
import { ensurePostgres } from "./ensure-postgres.ts";
import { findFreePort } from "./find-free-port.ts";
import { probePostgres } from "./probe-postgres.ts";

const running = (await probePostgres(5432)).state === "ready";

/** A TCP server on a free port that answers every connection with `answer`. */
async function pretender(answer: (socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** A backend message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

describe.skipIf(!running)("ensurePostgres with the machine's server running", () => {
  it("uses it as it is, and its stop() leaves it running", async () => {
    const lines: string[] = [];
    const pg = await ensurePostgres({ install: false, log: (line) => lines.push(line) });
    expect(pg).toMatchObject({ url: "postgres://postgres@127.0.0.1:5432/postgres", port: 5432, startedByUs: false, dataDir: null });
    expect(lines).toEqual([]);
    await pg.stop();
    expect((await probePostgres(5432)).state).toBe("ready");
  });
});

describe("ensurePgTap", () => {
  it("finds pgTAP and pg_prove where Debian puts them, or says what to install", async () => {
    const tap = await ensurePgTap({ install: false, log: () => {} }).catch((err: Error) => err);
    if (tap instanceof Error) return void expect(tap.message).toMatch(/^E_PGTAP_MISSING: .*apt-get install -y/);
    expect(tap.controlFile).toBe(`${tap.sharedir}/extension/pgtap.control`);
    expect(tap.pgProve).toMatch(/pg_prove$/);
  });
});

describe("probePostgres", () => {
  it.skipIf(!running)("tells a usable server from one that refuses the user", async () => {
    expect(await probePostgres(5432)).toMatchObject({ state: "ready" });
    const stranger = await probePostgres(5432, { user: "no_such_role_nacre" });
    expect(stranger).toMatchObject({ state: "refused", detail: expect.stringContaining("no_such_role_nacre") });
  });

  it("does not take an open port for PostgreSQL", async () => {
    const http = await pretender((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const silent = await pretender(() => {});
    try {
      expect(await probePostgres(http.port)).toMatchObject({ state: "not-postgres" });
      expect(await probePostgres(silent.port, { timeoutMs: 200 })).toMatchObject({ state: "not-postgres" });
    } finally {
      http.server.close();
      silent.server.close();
    }
    expect(await probePostgres(await findFreePort())).toMatchObject({ state: "closed" });
  });

  it("recognizes a server that wants a password, and one still starting up", async () => {
    const sasl = await pretender((socket) => socket.once("data", () => socket.end(message("R", Buffer.from([0, 0, 0, 10])))));
    const starting = await pretender((socket) =>
      socket.once("data", () => socket.end(message("E", Buffer.from("SFATAL\0C57P03\0Mthe database system is starting up\0\0")))),
    );
    try {
      expect(await probePostgres(sasl.port)).toMatchObject({ state: "refused", detail: expect.stringContaining("password") });
      expect(await probePostgres(starting.port)).toMatchObject({ state: "starting" });
    } finally {
      sasl.server.close();
      starting.server.close();
    }
  });
});

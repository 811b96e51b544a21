// Redis found or started. The machine's server (6379) is reused and never stopped; starting our
// own is cheap enough to test for real, on a free port, when redis-server is installed (nothing
// here installs it).
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ensureRedis } from "./ensure-redis.ts";
import { findFreePort } from "./find-free-port.ts";
import { probeRedis } from "./probe-redis.ts";
import { findExecutable } from "./run-command.ts";

const running = (await probeRedis(6379)).state === "ready";
const installed = (await findExecutable("redis-server")) !== null;

/** A TCP server on a free port that answers every connection with `answer`. */
async function pretender(answer: (socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe("ensureRedis", () => {
  it.skipIf(!running)("uses the server answering on 6379, and its stop() leaves it running", async () => {
    const lines: string[] = [];
    const redis = await ensureRedis({ install: false, log: (line) => lines.push(line) });
    expect(redis).toMatchObject({ url: "redis://127.0.0.1:6379", port: 6379, startedByUs: false });
    expect(lines).toEqual([]);
    await redis.stop();
    expect((await probeRedis(6379)).state).toBe("ready");
  });

  it.skipIf(!installed)("starts its own on a free port when the port holds something else, and stops it", async () => {
    const http = await pretender((socket) => socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
    const lines: string[] = [];
    try {
      const redis = await ensureRedis({ port: http.port, install: false, log: (line) => lines.push(line) });
      expect(redis.startedByUs).toBe(true);
      expect(redis.port).not.toBe(http.port);
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(lines).toEqual([expect.stringMatching(/^starting redis-server on 127\.0\.0\.1:\d+ \(.*not usable/)]);
      expect((await probeRedis(redis.port)).state).toBe("ready");
      await redis.stop();
      expect((await probeRedis(redis.port)).state).toBe("closed");
    } finally {
      http.server.close();
    }
  });
});

describe("probeRedis", () => {
  it("wants +PONG, not merely an open port", async () => {
    const noauth = await pretender((socket) => socket.once("data", () => socket.end("-NOAUTH Authentication required.\r\n")));
    const silent = await pretender(() => {});
    try {
      expect(await probeRedis(noauth.port)).toMatchObject({ state: "refused", detail: expect.stringContaining("NOAUTH") });
      expect(await probeRedis(silent.port, 200)).toMatchObject({ state: "not-redis" });
    } finally {
      noauth.server.close();
      silent.server.close();
    }
    expect(await probeRedis(await findFreePort())).toMatchObject({ state: "closed" });
  });
});

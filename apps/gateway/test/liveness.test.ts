// Dead sockets do not linger: an agent that stops answering pings is dropped within two ping rounds,
// and its registry entry goes with it, so commands stop being routed to a socket nobody reads.
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { locateAgent } from "@nacre/fleet";
import { expect, test } from "vitest";
import { createEnrolledVm, useGateway } from "./fixtures.ts";
import { SimAgent } from "./sim-agent.ts";

const fixture = useGateway();

test("an agent that stops answering pings is terminated and unregistered; a live one stays", async () => {
  const { sql, redis } = fixture();
  const replica = await fixture().startReplica(`liveness-${randomUUID().slice(0, 6)}`, { pingIntervalMs: 2_000 });
  const [deadVm, liveVm] = [await createEnrolledVm(sql), await createEnrolledVm(sql)];
  const dead = new SimAgent({ url: replica.url, vmId: deadVm.vmId, identityKey: deadVm.identityKey });
  const live = new SimAgent({ url: replica.url, vmId: liveVm.vmId, identityKey: liveVm.identityKey });
  await Promise.all([dead.ready(), live.ready()]);

  // Stop reading the TCP stream: the gateway's pings are never seen, so no pong goes back.
  (dead.socket as unknown as { _socket: Socket })._socket.pause();
  await expect.poll(() => locateAgent(redis, deadVm.vmId), { timeout: 10_000, interval: 200 }).toBeUndefined();
  expect(await locateAgent(redis, liveVm.vmId)).toBeDefined();
  expect(replica.sessions.get(liveVm.vmId)).toBeDefined();
  live.close();
});

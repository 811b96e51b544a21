// One phase of the fleet bench: start `replicas` gateway processes, dial every agent (split evenly
// across them), hold the fleet for one heartbeat interval while commands go out, read back what
// reached Postgres, then drop the agents and drain the gateways.
import type { Redis } from "ioredis";
import type { Sql } from "@nacre/db";
import type { AgentPool } from "./agent-pool.ts";
import { percentile, probeCommands } from "./command-probe.ts";
import { heartbeatWritesBetween, staleHeartbeats } from "./fleet-database.ts";
import type { PhaseFigures } from "./fleet-report.ts";
import { GATEWAY_OWN_FILES, startGatewayProcess } from "./gateway-process.ts";
import type { GatewayProcess } from "./gateway-process.ts";

export interface PhaseContext {
  sql: Sql;
  redis: Redis;
  subscriber: Redis;
  pool: AgentPool;
  agents: number;
  gatewayEnv: Record<string, string>;
  gatewayNodeFlags: string[];
  gatewayMain: string | undefined;
  heartbeatIntervalSeconds: number;
  heartbeatFlushMs: number;
  pingIntervalMs: number;
  connectRatePerSecond: number;
  commandRatePerSecond: number;
  logDir: string;
  runId: string;
  /** Registers a way to kill what was just started, should the run fail. */
  onCleanup: (name: string, fn: () => Promise<void> | void) => void;
  say: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one phase with `replicas` gateway processes and returns its figures. */
export async function runPhase(ctx: PhaseContext, replicas: number): Promise<PhaseFigures> {
  const gateways: GatewayProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    const gatewayId = `bench-${ctx.runId}-r${replicas}-${i + 1}`;
    const gateway = await startGatewayProcess({
      gatewayId, env: ctx.gatewayEnv, nodeFlags: ctx.gatewayNodeFlags, ...(ctx.gatewayMain ? { main: ctx.gatewayMain } : {}), logFile: `${ctx.logDir}/${gatewayId}.log`,
    });
    ctx.onCleanup(`gateway ${gatewayId}`, () => gateway.kill());
    gateways.push(gateway);
  }
  const alive = (): void => {
    for (const g of gateways) {
      const why = g.exited();
      if (why) throw new Error(`E_GATEWAY_DIED: gateway ${g.gatewayId} ${why} during the run; see ${ctx.logDir}/${g.gatewayId}.log`);
    }
  };
  const healthy = async (): Promise<number> => {
    try {
      return (await Promise.all(gateways.map((g) => g.agents()))).reduce((s, n) => s + n, 0);
    } catch (error) {
      alive();
      throw new Error(`E_GATEWAY_UNHEALTHY: a gateway did not answer /healthz (${String(error)}); logs in ${ctx.logDir}`);
    }
  };
  await sleep(1_000);
  const memoryBefore = gateways.map((g) => g.memory());
  const cpu = (): number => gateways.reduce((s, g) => s + g.cpuSeconds(), 0);
  const openFilesLimit = Math.min(...gateways.map((g) => g.openFilesLimit));
  const dialled = Math.min(ctx.agents, replicas * (openFilesLimit - GATEWAY_OWN_FILES));
  ctx.say(`${replicas} replica(s) up (pid ${gateways.map((g) => g.pid).join(", ")}); dialling ${dialled} agents at ${ctx.connectRatePerSecond}/s`);
  if (dialled < ctx.agents) ctx.say(`only ${dialled} of ${ctx.agents}: a gateway may open ${openFilesLimit} files here, ${GATEWAY_OWN_FILES} of them its own`);
  const cpuBeforeConnect = cpu();
  // At most 256 handshakes in flight, under Node's listen backlog (511): a gateway slower than the
  // pacing then shows as a lower connect rate, not as dropped SYNs retried 1, 3, 7 s later.
  const connected = await ctx.pool.connect({
    count: dialled, urls: gateways.map((g) => g.url), ratePerSecond: ctx.connectRatePerSecond, maxInFlight: 256, handshakeTimeoutMs: 15_000,
  });
  alive();
  const connectCpuSeconds = cpu() - cpuBeforeConnect;
  const handshakes = connected.handshakeMs.sort((a, b) => a - b);
  ctx.say(`${connected.authenticated} authenticated, ${connected.failed} failed in ${(connected.elapsedMs / 1000).toFixed(1)} s${connected.failures.length ? `; first failures: ${connected.failures.join(" | ")}` : ""}`);
  // Let the connect storm's garbage and the first beats settle before the window opens.
  await sleep(3_000);
  const held = await healthy();
  const before = await ctx.pool.stats();

  // The window spans whole heartbeat intervals (every agent beats the same number of times in it,
  // whatever the phase of its beats) and at least one ping interval (every socket is pinged once in
  // it, so a sweep's cost always lands in the command figures). The write log counts what Postgres
  // wrote in it.
  const windowSeconds = Math.ceil(Math.max(ctx.heartbeatIntervalSeconds, ctx.pingIntervalMs / 1000) / ctx.heartbeatIntervalSeconds) * ctx.heartbeatIntervalSeconds;
  const windowMs = windowSeconds * 1000;
  const overdueAfterMs = ctx.heartbeatIntervalSeconds * 1000 + ctx.heartbeatFlushMs + 2_000;
  const start = new Date();
  const cpuAtStart = cpu();
  const staleAtStart = await staleHeartbeats(ctx.sql, connected.vmIds, new Date(start.getTime() - overdueAfterMs));
  ctx.say(`window of ${windowSeconds} s: heartbeats, and commands at ${ctx.commandRatePerSecond}/s`);
  const commands = await probeCommands(ctx.redis, ctx.subscriber, connected.vmIds, {
    ratePerSecond: ctx.commandRatePerSecond, durationMs: windowMs - (Date.now() - start.getTime()), acceptTimeoutMs: 10_000, resendEveryMs: 1_000,
  });
  const end = new Date(start.getTime() + windowMs);
  if (end.getTime() > Date.now()) await sleep(end.getTime() - Date.now());
  const memoryAfter = gateways.map((g) => g.memory());
  const windowCpuSeconds = cpu() - cpuAtStart;
  const heldAtEnd = await healthy();
  // Beats received just before the window closed are written at the next flush.
  await sleep(ctx.heartbeatFlushMs + 1_000);
  alive();
  const written = await heartbeatWritesBetween(ctx.sql, start, end);
  const staleAtEnd = await staleHeartbeats(ctx.sql, connected.vmIds, new Date(Date.now() - overdueAfterMs));
  const after = await ctx.pool.stats();

  ctx.say("dropping the agents and draining the gateways");
  await ctx.pool.disconnect();
  const gatewayErrors = gateways.reduce((s, g) => s + g.errors().count, 0);
  for (const g of gateways) for (const line of g.errors().first) ctx.say(`${g.gatewayId} logged: ${line}`);
  await Promise.all(gateways.map((g) => g.stop()));
  return {
    replicas,
    agents: ctx.agents,
    dialled,
    held,
    heldAtEnd,
    connectFailures: connected.failures,
    connectRatePerSecond: connected.authenticated / (connected.elapsedMs / 1000),
    handshakeP50Ms: percentile(handshakes, 50),
    handshakeP99Ms: percentile(handshakes, 99),
    connectCpuMsPerAgent: (connectCpuSeconds * 1000) / Math.max(1, connected.authenticated),
    windowCpuShare: windowCpuSeconds / windowSeconds,
    memoryBefore,
    memoryAfter,
    openFilesLimit,
    windowSeconds,
    heartbeatIntervalSeconds: ctx.heartbeatIntervalSeconds,
    heartbeatFlushMs: ctx.heartbeatFlushMs,
    heartbeatWrites: written,
    staleAtStart,
    staleAtEnd,
    commands,
    commandRatePerSecond: ctx.commandRatePerSecond,
    droppedAfterAuth: after.droppedAfterAuth - before.droppedAfterAuth,
    gatewayErrors,
  };
}

// Command round trips as the control plane sees them: sendCommand (registry lookup, publish to the
// replica holding the socket, wait for the agent's command.accepted to come back through Redis) for
// app.resume to random connected VMs. Commands are fired on a fixed schedule, not one after another,
// so a slow answer cannot hide the load behind it (no coordinated omission).
import type { Redis } from "ioredis";
import { sendCommand } from "@nacre/fleet";
import { encodeMessage, newMessageId } from "@nacre/protocol";

export interface CommandFigures {
  sent: number;
  accepted: number;
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ProbeOptions {
  ratePerSecond: number;
  durationMs: number;
  /** A command not accepted in this time counts as failed. */
  acceptTimeoutMs: number;
  /** sendCommand repeats a command (same id) this often until accepted. */
  resendEveryMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of `sorted` (ascending). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Sends app.resume to random VMs of `vmIds` at the given rate for the given time. */
export async function probeCommands(redis: Redis, subscriber: Redis, vmIds: string[], options: ProbeOptions): Promise<CommandFigures> {
  const samples: number[] = [];
  const failures: string[] = [];
  const inFlight: Promise<void>[] = [];
  const count = Math.round((options.durationMs / 1000) * options.ratePerSecond);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / options.ratePerSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    const vmId = vmIds[Math.floor(Math.random() * vmIds.length)] as string;
    const commandId = newMessageId();
    const frame = encodeMessage("app.resume", commandId, {});
    const sentAt = performance.now();
    inFlight.push(
      sendCommand(redis, subscriber, { vmId, frame, commandId }, { acceptTimeoutMs: options.acceptTimeoutMs, resendEveryMs: options.resendEveryMs })
        .then(() => void samples.push(performance.now() - sentAt))
        .catch((error: unknown) => void failures.push(String(error))),
    );
  }
  await Promise.all(inFlight);
  samples.sort((a, b) => a - b);
  return {
    sent: count,
    accepted: samples.length,
    failures,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples.at(-1) ?? NaN,
  };
}

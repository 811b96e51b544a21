// Reaching an agent from anywhere in the control plane. A sender looks the VM up in the registry and
// publishes the command to that gateway's channel; the gateway writes it to the socket. Everything
// that comes back about the command (accepted, and later the outcome) is published on the command's
// own channel. Pub/sub may drop a message when a replica dies, so delivery is at-least-once: the
// sender repeats the same command (same id, the idempotency key) until the agent says it accepted it.
import type { Redis } from "ioredis";
import { locateAgent } from "./agent-registry.ts";

export const gatewayChannel = (gatewayId: string): string => `nacre:gateway:${gatewayId}:commands`;
export const commandChannel = (commandId: string): string => `nacre:command:${commandId}`;

/** What a gateway receives on its channel: one frame for one VM, or an order to drop its socket. */
export interface RoutedCommand {
  vmId: string;
  /** The encoded protocol frame, written to the socket as is. */
  frame: string;
  commandId: string;
  /** Close the VM's socket with 1008 instead of writing a frame (its identity was revoked). */
  disconnect?: boolean;
}

/** What is published about a command: the agent accepted it, or the control plane knows its outcome. */
export type CommandEvent =
  | { kind: "accepted"; commandId: string }
  | { kind: "undeliverable"; commandId: string; reason: string }
  | { kind: "progress"; commandId: string; detail: unknown }
  | { kind: "outcome"; commandId: string; ok: boolean; code?: string; message?: string; detail?: unknown };

export class CommandError extends Error {
  override readonly name = "CommandError";
  readonly code: "E_AGENT_OFFLINE" | "E_COMMAND_TIMEOUT" | "E_COMMAND_UNDELIVERABLE";
  constructor(code: CommandError["code"], message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export interface SendOptions {
  /** Give up when the agent has not accepted within this time. */
  acceptTimeoutMs: number;
  /** Resend (same id) this often until accepted. */
  resendEveryMs: number;
}

/**
 * Delivers a command to the VM's agent and resolves once the agent accepted it. `subscriber` is a
 * Redis connection in subscriber mode, shared by all sends of this process.
 */
export async function sendCommand(
  redis: Redis,
  subscriber: Redis,
  command: RoutedCommand,
  options: SendOptions,
): Promise<void> {
  const events = watchCommand(subscriber, command.commandId);
  try {
    const deadline = Date.now() + options.acceptTimeoutMs;
    for (;;) {
      const gatewayId = await locateAgent(redis, command.vmId);
      if (gatewayId === undefined) {
        throw new CommandError("E_AGENT_OFFLINE", `the agent of VM ${command.vmId} is not connected to any gateway`);
      }
      await redis.publish(gatewayChannel(gatewayId), JSON.stringify(command));
      const wait = Math.min(options.resendEveryMs, deadline - Date.now());
      const event = await events.next((e) => e.kind === "accepted" || e.kind === "undeliverable", Math.max(wait, 0));
      if (event?.kind === "accepted") return;
      if (event?.kind === "undeliverable") throw new CommandError("E_COMMAND_UNDELIVERABLE", event.reason);
      if (Date.now() >= deadline) {
        throw new CommandError("E_COMMAND_TIMEOUT", `the agent of VM ${command.vmId} did not accept ${command.commandId} in time`);
      }
    }
  } finally {
    await events.close();
  }
}

/** Tells whichever replica holds the VM's socket to close it (after revoking its identity). */
export async function disconnectAgent(redis: Redis, vmId: string): Promise<boolean> {
  const gatewayId = await locateAgent(redis, vmId);
  if (gatewayId === undefined) return false;
  const order: RoutedCommand = { vmId, frame: "", commandId: `disconnect-${vmId}`, disconnect: true };
  await redis.publish(gatewayChannel(gatewayId), JSON.stringify(order));
  return true;
}

/** Publishes an event about a command (gateway side). */
export async function publishCommandEvent(redis: Redis, event: CommandEvent): Promise<void> {
  await redis.publish(commandChannel(event.commandId), JSON.stringify(event));
}

export interface CommandWatch {
  /** The next event matching `filter`, or undefined after `timeoutMs`. Events seen earlier count. */
  next(filter: (e: CommandEvent) => boolean, timeoutMs: number): Promise<CommandEvent | undefined>;
  close(): Promise<void>;
}

/** Listens to a command's channel; subscribe before sending so no event is missed. */
export function watchCommand(subscriber: Redis, commandId: string): CommandWatch {
  const channel = commandChannel(commandId);
  const seen: CommandEvent[] = [];
  let wake: (() => void) | undefined;
  const onMessage = (from: string, text: string): void => {
    if (from !== channel) return;
    try {
      seen.push(JSON.parse(text) as CommandEvent);
    } catch {
      return;
    }
    wake?.();
  };
  subscriber.on("message", onMessage);
  const subscribed = retain(subscriber, channel);
  return {
    async next(filter, timeoutMs) {
      await subscribed;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = seen.findIndex(filter);
        if (index >= 0) return seen.splice(index, 1)[0];
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
    async close() {
      subscriber.off("message", onMessage);
      await release(subscriber, channel);
    },
  };
}

// Redis subscriptions are not counted: two watches of one channel (a send inside a run) must not
// unsubscribe each other, so each connection keeps its own count per channel.
const subscriptions = new WeakMap<Redis, Map<string, number>>();

async function retain(subscriber: Redis, channel: string): Promise<void> {
  const counts = subscriptions.get(subscriber) ?? new Map<string, number>();
  subscriptions.set(subscriber, counts);
  const count = counts.get(channel) ?? 0;
  counts.set(channel, count + 1);
  if (count === 0) await subscriber.subscribe(channel);
}

async function release(subscriber: Redis, channel: string): Promise<void> {
  const counts = subscriptions.get(subscriber);
  const count = counts?.get(channel) ?? 0;
  if (count > 1) {
    counts?.set(channel, count - 1);
    return;
  }
  counts?.delete(channel);
  await subscriber.unsubscribe(channel);
}

// Requests the agent sent and whose reply (a frame with `replyTo` = the request's id) it is waiting for.
// A reply is only meaningful on the connection that carried the request: when that connection drops,
// every waiter is failed with Disconnected so the caller can ask again on the next one.
import type { GatewayMessage } from "@nacre/protocol";

/** The gateway answered a request with an `error` frame, or did not answer in time. */
export class ReplyError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = "ReplyError";
    this.code = code;
  }
}

/** The connection that carried the request closed before the reply came. */
export class Disconnected extends Error {
  constructor() {
    super("the connection to the gateway closed before the reply came");
    this.name = "Disconnected";
  }
}

interface Waiter {
  resolve: (message: GatewayMessage) => void;
  reject: (error: unknown) => void;
}

export class PendingReplies {
  private readonly waiting = new Map<string, Waiter>();

  /** Resolves with the frame whose replyTo is `id`; rejects on an error frame, after `timeoutMs`, or on abort. */
  wait(id: string, what: string, timeoutMs: number, signal: AbortSignal): Promise<GatewayMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(new ReplyError("E_GATEWAY_TIMEOUT", `the gateway did not answer ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onAbort = (): void => {
        finish();
        reject(signal.reason);
      };
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.waiting.delete(id);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.set(id, {
        resolve: (message) => {
          finish();
          resolve(message);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
    });
  }

  /** Hands `message` to the request it answers; false when no request is waiting for it. */
  settle(message: GatewayMessage): boolean {
    const replyTo = (message.payload as { replyTo?: unknown }).replyTo;
    const waiter = typeof replyTo === "string" ? this.waiting.get(replyTo) : undefined;
    if (waiter === undefined) return false;
    if (message.type === "error") waiter.reject(new ReplyError(message.payload.code, message.payload.message));
    else waiter.resolve(message);
    return true;
  }

  /** Fails the waiter of `id` (its request could not be sent). */
  fail(id: string, error: unknown): void {
    this.waiting.get(id)?.reject(error);
  }

  /** Fails every waiter (the connection closed). */
  failAll(error: unknown): void {
    for (const waiter of [...this.waiting.values()]) waiter.reject(error);
  }
}

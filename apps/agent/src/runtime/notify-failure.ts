import { spawn } from "node:child_process";
import type { Output } from "./output.ts";

export interface FailureNotice {
  event: "backup.failed";
  at: string;
  code: string;
  message: string;
  configPath: string;
}

export interface NotifyTargets {
  webhook?: string;
  command?: string;
}

const WEBHOOK_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Tells the operator a backup failed: always one JSON line on stderr (journald, cron mail and docker
 * logs all keep stderr), then the optional webhook (POST, JSON body) and command (environment
 * variables NACRE_EVENT, NACRE_ERROR_CODE, NACRE_ERROR_MESSAGE, NACRE_FAILED_AT). A notification that
 * itself fails is reported as a warning: it must never hide the backup's own error.
 */
export async function notifyFailure(out: Output, targets: NotifyTargets, notice: FailureNotice, env: Record<string, string | undefined>): Promise<void> {
  out.stderr.write(`${JSON.stringify({ notify: true, ...notice })}\n`);
  if (targets.webhook) {
    try {
      const res = await fetch(targets.webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!res.ok) out.warn("W_NOTIFY_WEBHOOK", `failure webhook answered HTTP ${res.status}`);
    } catch (err) {
      out.warn("W_NOTIFY_WEBHOOK", `failure webhook could not be reached: ${(err as Error).message}`);
    }
  }
  if (targets.command) {
    const code = await runCommand(targets.command, {
      ...env,
      NACRE_EVENT: notice.event,
      NACRE_ERROR_CODE: notice.code,
      NACRE_ERROR_MESSAGE: notice.message,
      NACRE_FAILED_AT: notice.at,
    });
    if (code !== 0) out.warn("W_NOTIFY_COMMAND", `failure command exited with ${code}`);
  }
}

function runCommand(command: string, env: Record<string, string | undefined>): Promise<number | string> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", command], { env, stdio: ["ignore", 2, 2], timeout: COMMAND_TIMEOUT_MS });
    child.on("error", (err) => resolve(err.message));
    child.on("exit", (code, signal) => resolve(code ?? `signal ${signal}`));
  });
}

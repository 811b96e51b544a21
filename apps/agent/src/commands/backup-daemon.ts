import { nextRun } from "@nacre/core";
import type { AgentContext } from "../runtime/agent-context.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatUtc } from "../runtime/format-units.ts";
import { readRunState } from "../runtime/run-state.ts";
import { loadAgent } from "../services/load-agent.ts";
import { attemptBackup } from "./backup-now.ts";

/** After a failure, try again this soon (or at the next scheduled time, if sooner). */
const RETRY_AFTER_FAILURE_MS = 15 * 60 * 1000;
/** Sleep in slices so a changed clock (suspend, NTP) is noticed within a minute. */
const MAX_SLEEP_MS = 60 * 1000;
/** How soon a config broken while the daemon runs is read again. */
const CONFIG_RETRY_MS = 60 * 1000;

/**
 * `backup daemon`: runs backups on the configured schedule until SIGINT/SIGTERM. The config is
 * re-read before each run, so an edited schedule or storage takes effect without a restart. A failed
 * run is reported (notifyOnFailure) and retried after 15 minutes. A config that is invalid at start
 * stops the daemon (exit 3, so the service manager shows it); one broken later is reported every
 * minute while the daemon keeps waiting for a fix — it never silently stops protecting the data.
 */
export async function backupDaemon(ctx: AgentContext, cmd: { config?: string }): Promise<ExitCode> {
  const { out, signal } = ctx;
  out.info(`daemon started (nacre-agent ${ctx.version})`);
  let retryAt: Date | null = null;
  let started = false;
  while (!signal.aborted) {
    let agent: Awaited<ReturnType<typeof loadAgent>>;
    try {
      agent = await loadAgent(ctx, cmd.config);
    } catch (err) {
      if (!started) throw err;
      const e = err as { code?: string; message?: string };
      out.error(e.code ?? "E_CONFIG", `the config can no longer be read, no backups until it is fixed: ${e.message}`);
      await sleep(CONFIG_RETRY_MS, signal);
      continue;
    }
    started = true;
    const state = await readRunState(agent.runStateDir);
    const lastSuccess = state.lastSuccess ? new Date(state.lastSuccess.at) : null;
    const scheduled = nextRun(agent.config.schedule, { lastRun: lastSuccess, now: ctx.now() });
    const due = retryAt && retryAt < scheduled ? retryAt : scheduled;
    if (due.getTime() > ctx.now().getTime()) {
      out.info(`next backup at ${formatUtc(due)}`, { nextBackup: due.toISOString() });
      while (!signal.aborted && due.getTime() > ctx.now().getTime()) await sleep(Math.min(MAX_SLEEP_MS, due.getTime() - ctx.now().getTime()), signal);
      if (signal.aborted) break;
    }
    try {
      const attempt = await attemptBackup(ctx, agent, retryAt !== null);
      retryAt = null;
      if (attempt.skipped) out.info(`skipped: ${attempt.reason}`);
      else out.info(`backup complete: ${attempt.outcome.key}`, { key: attempt.outcome.key, size: attempt.outcome.size, sha256: attempt.outcome.sha256 });
    } catch (err) {
      if (signal.aborted) break;
      const e = err as { code?: string; message?: string };
      retryAt = new Date(ctx.now().getTime() + RETRY_AFTER_FAILURE_MS);
      out.error(e.code ?? "E_INTERNAL", `backup failed: ${e.message}; retrying at ${formatUtc(retryAt)}`);
    }
  }
  out.info("daemon stopped");
  return ExitCode.ok;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

import { isDue, nextRun } from "@nacre/core";
import type { AgentContext } from "../runtime/agent-context.ts";
import { classifyError } from "../runtime/classify-error.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes, formatDuration, formatUtc } from "../runtime/format-units.ts";
import { notifyFailure } from "../runtime/notify-failure.ts";
import { acquireLock, readRunState, writeRunState } from "../runtime/run-state.ts";
import { loadAgent, type LoadedAgent } from "../services/load-agent.ts";
import { runBackup, type BackupOutcome } from "../services/run-backup.ts";

export type Attempt = { skipped: true; reason: string; nextDue: Date | null } | { skipped: false; outcome: BackupOutcome };

/**
 * One scheduled or forced backup with its bookkeeping: the lock, the schedule check, the run state,
 * and the failure notification. Shared by `backup now` and `backup daemon`.
 */
export async function attemptBackup(ctx: AgentContext, agent: LoadedAgent, force: boolean): Promise<Attempt> {
  const { config, runStateDir } = agent;
  if (!config.enabled && !force) return { skipped: true, reason: "backups are disabled (backup.enabled: false); --force backs up anyway", nextDue: null };

  const release = await acquireLock(runStateDir, "backup");
  try {
    const state = await readRunState(runStateDir);
    const now = ctx.now();
    const lastSuccess = state.lastSuccess ? new Date(state.lastSuccess.at) : null;
    if (!force && !isDue(config.schedule, { lastSuccess, now })) {
      const nextDue = nextRun(config.schedule, { lastRun: lastSuccess, now });
      return { skipped: true, reason: `the last backup was at ${formatUtc(lastSuccess!)}; the next is due at ${formatUtc(nextDue)} (schedule "${config.scheduleText}") — use --force to back up now`, nextDue };
    }
    state.lastAttemptAt = now.toISOString();
    await writeRunState(runStateDir, state);
    try {
      const outcome = await runBackup({ config, store: agent.store, out: ctx.out, now: ctx.now, signal: ctx.signal });
      state.lastSuccess = { at: outcome.createdAt.toISOString(), key: outcome.key, size: outcome.size, sha256: outcome.sha256, durationMs: outcome.durationMs };
      state.lastRetentionError = outcome.retentionError ? { at: ctx.now().toISOString(), message: outcome.retentionError } : undefined;
      await writeRunState(runStateDir, state);
      return { skipped: false, outcome };
    } catch (err) {
      const failure = classifyError(err);
      state.lastFailure = { at: ctx.now().toISOString(), code: failure.code, message: failure.message };
      await writeRunState(runStateDir, state);
      if (config.notifyOnFailure.enabled) {
        await notifyFailure(ctx.out, config.notifyOnFailure, { event: "backup.failed", at: state.lastFailure.at, code: failure.code, message: failure.message, configPath: agent.configPath }, ctx.env);
      }
      throw failure;
    }
  } finally {
    await release();
  }
}

/** `backup now [--force]`. */
export async function backupNow(ctx: AgentContext, cmd: { config?: string; force: boolean; json: boolean }): Promise<ExitCode> {
  const agent = await loadAgent(ctx, cmd.config);
  const attempt = await attemptBackup(ctx, agent, cmd.force);
  if (attempt.skipped) {
    if (cmd.json) ctx.out.json({ skipped: true, reason: attempt.reason, nextDue: attempt.nextDue?.toISOString() ?? null });
    else ctx.out.result(`skipped: ${attempt.reason}`);
    return ExitCode.ok;
  }
  const o = attempt.outcome;
  if (cmd.json) {
    ctx.out.json({ key: o.key, size: o.size, sha256: o.sha256, createdAt: o.createdAt.toISOString(), durationMs: o.durationMs, sourceBytes: o.sourceBytes, files: o.files, warnings: o.warnings, removed: o.removed, retentionError: o.retentionError });
  } else {
    const seconds = o.durationMs / 1000;
    ctx.out.result(`backup complete: ${o.key}`);
    ctx.out.result(`  ${o.files} files, ${formatBytes(o.sourceBytes)} → ${formatBytes(o.size)} stored in ${formatDuration(seconds)} (${formatBytes(o.sourceBytes / Math.max(seconds, 0.001))}/s)`);
    ctx.out.result(`  sha256 ${o.sha256}`);
    if (o.warnings.length) ctx.out.result(`  ${o.warnings.length} warning(s) above: files skipped or changed while read`);
    if (o.removed.length) ctx.out.result(`  retention removed ${o.removed.length} old backup(s)`);
  }
  return ExitCode.ok;
}

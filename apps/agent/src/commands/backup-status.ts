import { nextRun } from "@nacre/core";
import type { AgentContext } from "../runtime/agent-context.ts";
import { classifyError } from "../runtime/classify-error.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes, formatRelative, formatUtc } from "../runtime/format-units.ts";
import { readRunState } from "../runtime/run-state.ts";
import { listBackups } from "../services/list-backups.ts";
import { loadAgent } from "../services/load-agent.ts";
import type { ResolvedConfig } from "../config/index.ts";

/** `backup status [--json]`: enabled, schedule, last and next backup, health, storage, retention, encryption. */
export async function backupStatus(ctx: AgentContext, cmd: { config?: string; json: boolean }): Promise<ExitCode> {
  const agent = await loadAgent(ctx, cmd.config);
  const { config, store } = agent;
  const now = ctx.now();
  const state = await readRunState(agent.runStateDir);

  // The store is the truth about what exists; the run state adds what happened locally (failures).
  let stored: { count: number; bytes: number; newest: { key: string; at: Date; size: number } | null } | null = null;
  let storageError: string | null = null;
  try {
    const backups = (await listBackups(store, config.storage.prefix)).map((b) => ({ key: b.key, at: b.createdAt, size: b.size }));
    stored = { count: backups.length, bytes: backups.reduce((n, b) => n + b.size, 0), newest: backups.at(-1) ?? null };
  } catch (err) {
    const e = classifyError(err);
    storageError = `${e.code}: ${e.message}`;
  }

  const last = stored?.newest ?? (state.lastSuccess ? { key: state.lastSuccess.key, at: new Date(state.lastSuccess.at), size: state.lastSuccess.size } : null);
  const next = config.enabled ? nextRun(config.schedule, { lastRun: last?.at ?? null, now }) : null;
  const failure = state.lastFailure && (!last || new Date(state.lastFailure.at) > last.at) ? state.lastFailure : null;
  const health = storageError
    ? { status: "error", detail: `storage unreachable — ${storageError}` }
    : failure
      ? { status: "failing", detail: `last attempt failed ${formatRelative(new Date(failure.at), now)}: ${failure.code}: ${failure.message}` }
      : !config.enabled
        ? { status: "disabled", detail: "backup.enabled is false" }
        : !last
          ? { status: "no-backups", detail: "no backup yet — run `nacre-agent backup now`" }
          : next && next.getTime() < now.getTime() - 60 * 60 * 1000
            ? { status: "overdue", detail: `a backup was due ${formatRelative(next, now)} — is \`backup daemon\` running?` }
            : { status: "ok", detail: `last backup ${formatRelative(last.at, now)}` };

  const status = {
    enabled: config.enabled,
    schedule: config.scheduleText,
    lastBackup: last ? { key: last.key, at: last.at.toISOString(), size: last.size } : null,
    nextBackup: next?.toISOString() ?? null,
    health,
    storage: { location: store.description, backups: stored?.count ?? null, bytes: stored?.bytes ?? null },
    retention: config.retention,
    encryption: describeEncryption(config),
    lastRetentionError: state.lastRetentionError ?? null,
  };
  if (cmd.json) {
    ctx.out.json(status);
    return ExitCode.ok;
  }
  const rows: [string, string][] = [
    ["Enabled", config.enabled ? "yes" : "no"],
    ["Schedule", config.scheduleText],
    ["Last backup", last ? `${formatUtc(last.at)} (${formatRelative(last.at, now)}), ${formatBytes(last.size)}, ${last.key}` : "never"],
    ["Next backup", next ? `${formatUtc(next)} (${formatRelative(next, now)})` : "—"],
    ["Health", `${health.status} — ${health.detail}`],
    ["Storage", `${store.description}${stored ? ` (${stored.count} backups, ${formatBytes(stored.bytes)})` : ""}`],
    ["Retention", describeRetention(config)],
    ["Encryption", status.encryption],
  ];
  if (state.lastRetentionError) rows.push(["Retention error", state.lastRetentionError.message]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) ctx.out.result(`${`${k}:`.padEnd(width + 1)} ${v}`);
  return ExitCode.ok;
}

function describeEncryption(config: ResolvedConfig): string {
  const e = config.encryption;
  if (!e.enabled) return "DISABLED — backups are stored unencrypted";
  return e.keyFile ? `aes-256-gcm, key file ${e.keyFile}` : `aes-256-gcm, passphrase (PBKDF2-SHA256, ${e.iterations} iterations)`;
}

function describeRetention(config: ResolvedConfig): string {
  const { maxBackups, maxAgeDays } = config.retention;
  const parts = [maxBackups !== undefined ? `keep the newest ${maxBackups}` : null, maxAgeDays !== undefined ? `remove after ${maxAgeDays} days` : null].filter(Boolean);
  return parts.length ? parts.join(", ") : "keep everything";
}

import type { AgentContext } from "../runtime/agent-context.ts";
import { parseBackupKey } from "../runtime/backup-keys.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes, formatUtc } from "../runtime/format-units.ts";
import { loadAgent } from "../services/load-agent.ts";

export interface ListedBackup {
  key: string;
  size: number;
  created: Date;
}

/** The backups under the configured prefix, oldest first; other objects there are not ours and are left out. */
export async function listBackups(ctx: AgentContext, configPath: string | undefined): Promise<ListedBackup[]> {
  const { config, store } = await loadAgent(ctx, configPath);
  const prefix = config.storage.prefix;
  return (await store.list(prefix))
    .flatMap((o) => {
      const created = parseBackupKey(prefix, o.key);
      return created ? [{ key: o.key, size: o.size, created }] : [];
    })
    .sort((a, b) => a.created.getTime() - b.created.getTime());
}

/** `backup list [--json]`: Key, Size, Created. */
export async function backupList(ctx: AgentContext, cmd: { config?: string; json: boolean }): Promise<ExitCode> {
  const backups = await listBackups(ctx, cmd.config);
  if (cmd.json) {
    ctx.out.json(backups.map((b) => ({ key: b.key, size: b.size, created: b.created.toISOString() })));
    return ExitCode.ok;
  }
  if (backups.length === 0) {
    ctx.out.result("no backups yet — run `nacre-agent backup now`");
    return ExitCode.ok;
  }
  const rows = backups.map((b) => [b.key, formatBytes(b.size), formatUtc(b.created)]);
  const header = ["Key", "Size", "Created"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  ctx.out.result(line(header));
  for (const row of rows) ctx.out.result(line(row));
  return ExitCode.ok;
}

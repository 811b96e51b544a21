import type { AgentContext } from "../runtime/agent-context.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes, formatUtc } from "../runtime/format-units.ts";
import { listBackups } from "../services/list-backups.ts";
import { loadAgent } from "../services/load-agent.ts";

/** `backup list [--json]`: Key, Size, Created. */
export async function backupList(ctx: AgentContext, cmd: { config?: string; json: boolean }): Promise<ExitCode> {
  const { config, store } = await loadAgent(ctx, cmd.config);
  const backups = await listBackups(store, config.storage.prefix);
  if (cmd.json) {
    ctx.out.json(backups.map((b) => ({ key: b.key, size: b.size, created: b.createdAt.toISOString() })));
    return ExitCode.ok;
  }
  if (backups.length === 0) {
    ctx.out.result("no backups yet — run `nacre-agent backup now`");
    return ExitCode.ok;
  }
  const rows = backups.map((b) => [b.key, formatBytes(b.size), formatUtc(b.createdAt)]);
  const header = ["Key", "Size", "Created"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  ctx.out.result(line(header));
  for (const row of rows) ctx.out.result(line(row));
  return ExitCode.ok;
}

import { resolve } from "node:path";
import type { AgentContext } from "../runtime/agent-context.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes } from "../runtime/format-units.ts";
import { acquireLock } from "../runtime/run-state.ts";
import { loadAgent } from "../services/load-agent.ts";
import { restoreBackup } from "../services/restore-backup.ts";

/** `backup restore <key> [--target DIR]`. */
export async function backupRestore(ctx: AgentContext, cmd: { config?: string; key: string; target?: string; keepOutsideLinks: boolean; json: boolean }): Promise<ExitCode> {
  const agent = await loadAgent(ctx, cmd.config);
  const target = cmd.target ? resolve(ctx.cwd, cmd.target) : null;
  const release = await acquireLock(agent.runStateDir, "restore");
  try {
    const r = await restoreBackup({ config: agent.config, store: agent.store, out: ctx.out, now: ctx.now, signal: ctx.signal }, cmd.key, target, { keepOutsideLinks: cmd.keepOutsideLinks });
    if (cmd.json) {
      ctx.out.json(r);
      return ExitCode.ok;
    }
    ctx.out.result(`restored ${r.key}: ${r.files} files, ${formatBytes(r.bytes)}`);
    for (const p of r.placed) ctx.out.result(`  ${p.name === "(all)" ? "backup" : `${p.name}/`} → ${p.dest}`);
    for (const k of r.kept) ctx.out.result(`  previous ${k.dest} kept at ${k.keptAt} (delete it once you are happy)`);
    return ExitCode.ok;
  } finally {
    await release();
  }
}

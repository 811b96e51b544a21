import { linkLeavesTree, listArchive } from "@nacre/snapshot";
import type { AgentContext } from "../runtime/agent-context.ts";
import { ExitCode } from "../runtime/cli-error.ts";
import { formatBytes } from "../runtime/format-units.ts";
import { decryptionKeyFor } from "../services/keys-from-config.ts";
import { loadAgent } from "../services/load-agent.ts";
import { readBackup } from "../services/read-backup.ts";

/** `backup verify <key>`: downloads the backup, authenticates every chunk, reads the whole tar; writes nothing. */
export async function backupVerify(ctx: AgentContext, cmd: { config?: string; key: string; json: boolean }): Promise<ExitCode> {
  const { config, store } = await loadAgent(ctx, cmd.config);
  const backup = await readBackup(store, cmd.key, decryptionKeyFor(config.encryption), ctx.out, ctx.signal);
  // Verify judges the backup's integrity, not what a restore may do: links pointing outside the tree are
  // counted and reported, and `backup restore` decides about them (--keep-outside-links).
  const entries = await listArchive(backup.tar, { outsideLinks: "keep", recycle: backup.recycle });
  for await (const _ of backup.tar) {
    // listArchive stops at the end-of-archive marker; reading on makes the decryptor check the file's end.
  }
  backup.progress.finish();
  await backup.checkHash();
  const files = entries.filter((e) => e.type === "file");
  const outsideLinks = entries.filter((e) => e.type === "symlink" && linkLeavesTree(e.path, e.linkpath ?? ""));
  const bytes = files.reduce((n, e) => n + e.size, 0);
  const summary = { key: cmd.key, ok: true, encrypted: backup.encrypted, compression: backup.compression, size: backup.info.size, sha256: backup.info.sha256 ?? null, entries: entries.length, files: files.length, bytes, outsideLinks: outsideLinks.map((e) => `${e.path} -> ${e.linkpath}`) };
  if (cmd.json) ctx.out.json(summary);
  else {
    ctx.out.result(`verified ${cmd.key}: ${files.length} files, ${formatBytes(bytes)} of data in ${formatBytes(backup.info.size)}; every chunk authentic${backup.info.sha256 ? ", SHA-256 matches" : ""}`);
    if (outsideLinks.length) ctx.out.result(`  ${outsideLinks.length} symlink(s) point outside the backup (restore them with --keep-outside-links): ${summary.outsideLinks.slice(0, 5).join(", ")}`);
  }
  return ExitCode.ok;
}


import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { extractArchive } from "@nacre/snapshot";
import type { BackupStore } from "@nacre/storage";
import type { ResolvedConfig } from "../config/index.ts";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import type { Output } from "../runtime/output.ts";
import { decryptionKeyFor } from "./keys-from-config.ts";
import { readBackup } from "./read-backup.ts";
import { swapIn, type Placement, type SwapResult } from "./swap-in.ts";

export interface RestoreOutcome extends SwapResult {
  key: string;
  files: number;
  bytes: number;
  placed: { name: string; dest: string }[];
}

/**
 * Restores a backup: download, verify every chunk and the SHA-256, extract into a staging directory
 * beside the destination, and only then swap it in (the old directory kept as
 * `<dir>.pre-restore-<stamp>`). Any failure before the swap leaves every original location untouched.
 */
export async function restoreBackup(
  deps: { config: ResolvedConfig; store: BackupStore; out: Output; now: () => Date; signal?: AbortSignal },
  key: string,
  target: string | null,
  opts: { keepOutsideLinks?: boolean } = {},
): Promise<RestoreOutcome> {
  const { config, store, out, signal } = deps;
  const stamp = deps.now().toISOString().replace(/[:.]/g, "-");
  const anchor = target ?? config.stateDir ?? config.workspace ?? config.extraPaths[0];
  if (!anchor) throw new CliError("E_RESTORE_NO_TARGET", "this config backs up nothing to restore into — pass --target DIR", ExitCode.usage);
  const staging = `${anchor}.nacre-staging-${stamp}`;

  try {
    const backup = await readBackup(store, key, decryptionKeyFor(config.encryption), out, signal);
    out.info(`restoring ${key} (${backup.encrypted ? "encrypted" : "unencrypted"}, ${backup.compression}) into staging ${staging}`);
    // Symlinks pointing outside the restored tree are refused unless asked for: they are created last and
    // never written through, but a restore should not plant links to arbitrary places by surprise.
    const extracted = await extractArchive(backup.tar, staging, { signal, outsideLinks: opts.keepOutsideLinks ? "keep" : "reject", recycle: backup.recycle }).catch((err) => {
      if ((err as { code?: string }).code === "E_UNSAFE_LINK" && !opts.keepOutsideLinks) {
        throw Object.assign(err as Error, { message: `${(err as Error).message} — if this link is your own data (not an attack), restore again with --keep-outside-links` });
      }
      throw err;
    });
    backup.progress.finish();
    await backup.checkHash();
    out.info(`verified: every chunk authenticated, SHA-256 matches, ${extracted.files} files staged`);

    const placements = target ? [{ name: "(all)", staged: staging, dest: target }] : await placeRoots(staging, config);
    const swapped = await swapIn(placements.map(({ staged, dest }): Placement => ({ staged, dest })), stamp);
    return { key, files: extracted.files, bytes: extracted.bytes, placed: placements.map(({ name, dest }) => ({ name, dest })), kept: swapped.kept };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Maps the archive's top-level names back to this config's directories, refusing anything unmapped. */
async function placeRoots(staging: string, config: ResolvedConfig): Promise<{ name: string; staged: string; dest: string }[]> {
  const placements: { name: string; staged: string; dest: string }[] = [];
  const unmapped = (name: string) =>
    new CliError("E_RESTORE_UNMAPPED", `the backup contains ${name}/ but this config has no place for it — restore with --target DIR and copy what you need`, ExitCode.restoreRefused);
  for (const name of await readdir(staging)) {
    if (name === "state") {
      if (!config.stateDir) throw unmapped(name);
      placements.push({ name, staged: join(staging, name), dest: config.stateDir });
    } else if (name === "workspace") {
      if (!config.workspace) throw unmapped(name);
      placements.push({ name, staged: join(staging, name), dest: config.workspace });
    } else if (name === "extra") {
      for (const n of await readdir(join(staging, "extra"))) {
        const dest = config.extraPaths[Number(n)];
        if (!/^\d+$/.test(n) || !dest) throw unmapped(`extra/${n}`);
        placements.push({ name: `extra/${n}`, staged: join(staging, "extra", n), dest });
      }
    } else {
      throw unmapped(name);
    }
  }
  return placements;
}

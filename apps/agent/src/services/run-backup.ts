import { planRetention } from "@nacre/core";
import { createSnapshotStream, measureRoots, type ArchiveWarning } from "@nacre/snapshot";
import type { BackupStore, PutResult } from "@nacre/storage";
import type { ResolvedConfig } from "../config/index.ts";
import { makeBackupKey } from "../runtime/backup-keys.ts";
import { formatBytes } from "../runtime/format-units.ts";
import type { Output } from "../runtime/output.ts";
import { Progress } from "../runtime/progress.ts";
import { encryptionKeyFor } from "./keys-from-config.ts";
import { listBackups } from "./list-backups.ts";
import { planRoots } from "./plan-roots.ts";

export interface BackupOutcome extends PutResult {
  createdAt: Date;
  durationMs: number;
  sourceBytes: number;
  files: number;
  warnings: ArchiveWarning[];
  removed: string[];
  retentionError: string | null;
}

export interface RunBackupDeps {
  config: ResolvedConfig;
  store: BackupStore;
  out: Output;
  now: () => Date;
  signal?: AbortSignal;
}

/**
 * One backup: plan the roots, stream them through archive → compress → encrypt into the store, then
 * apply retention. The object only appears under its key once the upload completed and its size was
 * checked; any failure before that leaves nothing listed and rejects.
 */
export async function runBackup({ config, store, out, now, signal }: RunBackupDeps): Promise<BackupOutcome> {
  const started = now();
  const { roots, exclude: nested } = planRoots(config);
  const exclude = [...config.exclude, ...nested];
  for (const root of roots) out.info(`including ${root.name}/ from ${root.path}`);

  const warnings: ArchiveWarning[] = [];
  let progress: Progress | null = null;
  let uploaded = 0;
  // Key derivation (PBKDF2, ~0.08 s on the thread pool) runs while the tree is measured on this thread
  // and the archive starts filling the compressor; the store then reads the body.
  const [measuredResult, bodyResult] = await Promise.allSettled([
    measureRoots(roots, { exclude }),
    encryptionKeyFor(config.encryption).then((encryption) =>
      createSnapshotStream({
        roots,
        exclude,
        compression: config.compression,
        encryption,
        signal,
        onWarning: (w) => {
          warnings.push(w);
          out.warn(w.code, w.message, { path: w.path });
        },
        onProgress: (p) => progress?.update(p.bytes, { files: p.files, uploadedBytes: uploaded }),
      }),
    ),
  ]);
  const body = bodyResult.status === "fulfilled" ? bodyResult.value : null;
  if (measuredResult.status === "rejected" || !body) {
    body?.destroy();
    throw measuredResult.status === "rejected" ? measuredResult.reason : (bodyResult as PromiseRejectedResult).reason;
  }
  const measured = measuredResult.value;
  out.info(`${measured.files} files, ${formatBytes(measured.bytes)} to back up → ${store.description}`);
  progress = new Progress(out, "backup", measured.bytes);

  const key = makeBackupKey(config.storage.prefix, started);
  let put: PutResult;
  try {
    put = await store.put(key, body, {
      expectedSize: measured.bytes,
      signal,
      onProgress: (n) => {
        uploaded = n;
      },
      // Written batches go back to the encryptor, so a backup's steady state allocates no batch buffers.
      release: (chunk) => body.recycle(chunk),
    });
  } finally {
    // A store that fails before reading (missing directory, refused credentials) leaves the archive
    // open; destroying it closes its files and removes any SQLite staging copy. No-op once consumed.
    body.destroy();
  }
  progress.finish();
  const durationMs = now().getTime() - started.getTime();

  const { removed, error } = await applyRetention(config, store, key, now(), out);
  return { ...put, createdAt: started, durationMs, sourceBytes: measured.bytes, files: measured.files, warnings, removed, retentionError: error };
}

/** Age rule, then count rule, never the backup just made. A failed delete is reported, not fatal. */
async function applyRetention(config: ResolvedConfig, store: BackupStore, justMade: string, now: Date, out: Output) {
  const { maxBackups, maxAgeDays } = config.retention;
  if (maxBackups === undefined && maxAgeDays === undefined) return { removed: [], error: null };
  const prefix = config.storage.prefix;
  const backups = await listBackups(store, prefix);
  const plan = planRetention({ backups, maxBackups, maxAgeDays, now, protect: [justMade] });
  const removed: string[] = [];
  const failures: string[] = [];
  for (const key of plan.remove) {
    try {
      await store.delete(key);
      removed.push(key);
      out.info(`retention: removed ${key}`);
    } catch (err) {
      failures.push(`${key}: ${(err as Error).message}`);
      out.warn("W_RETENTION_DELETE", `retention could not remove ${key}: ${(err as Error).message} — it will be retried after the next backup`);
    }
  }
  return { removed, error: failures.length ? failures.join("; ") : null };
}

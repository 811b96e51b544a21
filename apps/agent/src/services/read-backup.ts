import { openSnapshotStream, type DecryptionKey, type OpenedSnapshot } from "@nacre/snapshot";
import { hashStream, type BackupStore, type ObjectInfo } from "@nacre/storage";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import type { Output } from "../runtime/output.ts";
import { Progress } from "../runtime/progress.ts";

export interface OpenedBackup extends OpenedSnapshot {
  info: ObjectInfo;
  /** Call after the tar stream has been fully consumed: checks the SHA-256 of every byte downloaded. */
  checkHash: () => Promise<void>;
  progress: Progress;
}

/**
 * Downloads a backup as a stream of verified tar bytes. The SHA-256 of the ciphertext is computed on
 * the way through and compared with the one stored at upload (`checkHash`), on top of the per-chunk
 * authentication the format itself gives.
 */
export async function readBackup(
  store: BackupStore,
  key: string,
  decryptionKey: (() => Promise<DecryptionKey>) | undefined,
  out: Output,
  signal?: AbortSignal,
): Promise<OpenedBackup> {
  const info = await store.head(key);
  if (!info) throw new CliError("E_NOT_FOUND", `no backup named "${key}" in ${store.description} — run \`nacre-agent backup list\` to see the keys`, ExitCode.storage);
  const progress = new Progress(out, "download", info.size);
  const { body } = await store.get(key, { signal, onProgress: (n) => progress.update(n) });

  // Hashed on a worker thread as it is read (hashStream), stopped with the download if that ends early.
  const download = hashStream(body);
  const opened = await openSnapshotStream(download.body, { key: decryptionKey }).catch((err: unknown) => {
    download.dispose();
    throw err;
  });
  const checkHash = async () => {
    const actual = await download.digest();
    const received = download.bytes;
    if (received !== info.size) {
      throw new CliError("E_HASH_MISMATCH", `downloaded ${received} bytes but the backup holds ${info.size} — retry; if it persists the stored object is damaged`, ExitCode.integrity);
    }
    if (info.sha256 && actual !== info.sha256) {
      throw new CliError("E_HASH_MISMATCH", `the backup's SHA-256 is ${actual} but ${info.sha256} was recorded at upload — the stored object changed or is damaged`, ExitCode.integrity);
    }
  };
  return { ...opened, info, checkHash, progress };
}

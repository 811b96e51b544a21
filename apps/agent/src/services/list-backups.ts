import type { BackupStore } from "@nacre/storage";
import { parseBackupKey } from "../runtime/backup-keys.ts";

export interface ListedBackup {
  key: string;
  size: number;
  createdAt: Date;
}

/** The backups under the prefix, oldest first; other objects there are not ours and are left out. */
export async function listBackups(store: BackupStore, prefix: string): Promise<ListedBackup[]> {
  return (await store.list(prefix))
    .flatMap((o) => {
      const createdAt = parseBackupKey(prefix, o.key);
      return createdAt ? [{ key: o.key, size: o.size, createdAt }] : [];
    })
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

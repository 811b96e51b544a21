/** The object key of a new backup: `<prefix><ISO-8601 UTC timestamp>`, as OpenClaw's docs show. */
export function makeBackupKey(prefix: string, at: Date): string {
  return `${prefix}${at.toISOString()}`;
}

/** The creation time encoded in a backup key, or null for objects under the prefix that are not ours. */
export function parseBackupKey(prefix: string, key: string): Date | null {
  if (!key.startsWith(prefix)) return null;
  const stamp = key.slice(prefix.length);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(stamp)) return null;
  const at = new Date(stamp);
  return Number.isNaN(at.getTime()) ? null : at;
}

// Listing a filesystem store: walk from the deepest directory the prefix names, keep regular files,
// skip the store's own partial and sidecar files.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { StoredObject } from "../types.ts";
import { PARTIAL_MARKER, SIDECAR_SUFFIX } from "../validate-key.ts";

/** True for names the store writes for itself (unfinished writes and metadata sidecars). */
export function isInternalName(name: string): boolean {
  return name.includes(PARTIAL_MARKER) || name.endsWith(SIDECAR_SUFFIX);
}

/** Every stored object under `root` whose key starts with `prefix`, sorted by key. */
export async function listFiles(root: string, prefix: string): Promise<StoredObject[]> {
  // "a/b/c" can only match inside "a/b/", so the walk starts there
  const slash = prefix.lastIndexOf("/");
  const baseKey = slash < 0 ? "" : prefix.slice(0, slash + 1);
  const found: StoredObject[] = [];
  await walk(root, baseKey, prefix, found);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function walk(root: string, dirKey: string, prefix: string, out: StoredObject[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, dirKey), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a prefix naming a directory that does not exist (or a file) simply matches nothing
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw err;
  }
  for (const entry of entries) {
    const key = dirKey + entry.name;
    if (entry.isDirectory()) {
      // descend only where keys can still start with the prefix
      if ((key + "/").startsWith(prefix) || prefix.startsWith(key + "/")) await walk(root, key + "/", prefix, out);
      continue;
    }
    if (!entry.isFile() || isInternalName(entry.name) || !key.startsWith(prefix)) continue;
    try {
      const info = await stat(join(root, key));
      out.push({ key, size: info.size, lastModified: info.mtime });
    } catch (err) {
      // deleted between readdir and stat
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

// The safety rules every archive entry must pass before anything is written (and that listArchive applies
// too, so verify fails exactly what restore would refuse). Paths are checked as text, before touching the
// disk: no absolute paths, no ".." anywhere, and no entry below a symlink of the same archive. Symlink
// targets must stay inside the extraction directory even when resolved through other symlinks.
import { ArchiveError } from "./archive-error.ts";

// Linux gives up after 40 symlink hops (ELOOP); a chain that long never resolves to anything.
const MAX_HOPS = 40;

/** Normalizes an entry path to "a/b" form ("" for the archive root); throws E_UNSAFE_PATH if it could escape. */
export function normalizeEntryPath(raw: string): string {
  if (raw.includes("\u0000")) throw unsafePath(raw, "contains a NUL byte");
  if (raw.startsWith("/")) throw unsafePath(raw, "is absolute");
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw unsafePath(raw, 'contains a ".." component');
  return parts.join("/");
}

/**
 * Rejects (E_UNSAFE_LINK) an empty target, and unless outside links are kept, one that is absolute or
 * climbs out of the root as text.
 */
export function checkLinkTarget(linkPath: string, target: string, outsideLinks: "reject" | "keep" = "reject"): void {
  if (target === "" || target.includes("\u0000")) throw unsafeLink(linkPath, target, "has an empty or invalid target");
  if (outsideLinks === "keep") return;
  if (target.startsWith("/")) throw unsafeLink(linkPath, target, "points to an absolute path");
  if (linkLeavesTree(linkPath, target)) throw unsafeLink(linkPath, target, "points outside the restored tree");
}

/** True when a symlink's target, read as text, is absolute or climbs above the archive's top level. */
export function linkLeavesTree(linkPath: string, target: string): boolean {
  if (target.startsWith("/")) return true;
  let level = linkPath.split("/").length - 1;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    level += part === ".." ? -1 : 1;
    if (level < 0) return true;
  }
  return false;
}

/**
 * Rejects (E_UNSAFE_LINK) a symlink that escapes once the other symlinks of the archive are followed:
 * "a -> ." and "b -> a/.." are each harmless as text, yet b resolves to the parent of the root. Called once
 * all entries are known, with every symlink of the archive (targets already checked by checkLinkTarget).
 */
export function checkLinkResolution(linkPath: string, links: ReadonlyMap<string, string>): void {
  const stack = linkPath.split("/").slice(0, -1);
  let pending = splitTarget(links.get(linkPath) ?? "");
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "..") {
      if (stack.length === 0) throw unsafeLink(linkPath, links.get(linkPath) ?? "", "resolves outside the restored tree through other symlinks");
      stack.pop();
      continue;
    }
    stack.push(part);
    const target = links.get(stack.join("/"));
    if (target === undefined) continue;
    // Every step so far stayed inside; a loop that long fails with ELOOP without ever leaving the tree.
    if (++hops > MAX_HOPS) return;
    stack.pop();
    pending = [...splitTarget(target), ...pending];
  }
}

/** Throws E_UNSAFE_PATH if an ancestor of `path` is a symlink of the archive: writing there would follow it. */
export function checkNoLinkAncestor(path: string, links: ReadonlyMap<string, unknown>): void {
  if (links.size === 0) return;
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    if (links.has(path.slice(0, i))) throw unsafePath(path, `lies below the symlink ${path.slice(0, i)} of the same archive`);
  }
}

function splitTarget(target: string): string[] {
  return target.split("/").filter((p) => p !== "" && p !== ".");
}

function unsafePath(path: string, why: string): ArchiveError {
  return new ArchiveError("E_UNSAFE_PATH", `entry "${path}" ${why}; refusing to restore this archive, it may be malicious`, { path });
}

function unsafeLink(path: string, target: string, why: string): ArchiveError {
  return new ArchiveError("E_UNSAFE_LINK", `symlink "${path}" -> "${target}" ${why}; refusing to restore this archive, it may be malicious`, { path });
}

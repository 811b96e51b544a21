// Root names become the top-level archive paths, so they are checked like any archive path (relative, no
// "." or ".." parts) and must not overlap: "extra" and "extra/0" would merge two trees into one.
import { isAbsolute } from "node:path";
import { ArchiveError } from "./archive-error.ts";
import type { ArchiveRoot } from "./types.ts";

/** Checks root names and paths and returns the roots sorted by name bytes, the archive's order. */
export function validateRoots(roots: readonly ArchiveRoot[]): ArchiveRoot[] {
  if (roots.length === 0) throw invalid("no backup roots were given; pass at least one directory");
  for (const root of roots) {
    const parts = root.name.split("/");
    if (root.name === "" || root.name.includes("\u0000") || parts.some((p) => p === "" || p === "." || p === "..")) {
      throw invalid(`root name "${root.name}" must be a relative path like "state" or "extra/0"`);
    }
    if (!isAbsolute(root.path)) throw invalid(`root "${root.name}" has a relative path "${root.path}"; give an absolute path`);
  }
  const sorted = [...roots].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  // Every pair, not neighbours: "extra-1" sorts between "extra" and "extra/0".
  for (const a of sorted) {
    for (const b of sorted) {
      if (a !== b && (a.name === b.name || b.name.startsWith(`${a.name}/`))) {
        throw invalid(`root names "${a.name}" and "${b.name}" overlap; give each root its own name`);
      }
    }
  }
  return sorted;
}

function invalid(message: string): ArchiveError {
  return new ArchiveError("E_ROOT_INVALID", message);
}

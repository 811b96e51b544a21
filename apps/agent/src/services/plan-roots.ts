import { relative, sep } from "node:path";
import type { ArchiveRoot } from "@nacre/snapshot";

export interface RootSources {
  stateDir: string | null;
  workspace: string | null;
  extraPaths: string[];
}

export interface PlannedRoots {
  roots: ArchiveRoot[];
  /** Extra exclude patterns: a root nested inside another is archived once, under its own name. */
  exclude: string[];
}

/**
 * The archive's top-level layout: `state/`, `workspace/`, `extra/<n>/`. A restore to `--target` then
 * shows `workspace/memory/...` as OpenClaw's docs do, even when the workspace lives inside the state
 * dir (the default `~/.openclaw/workspace`): it is cut out of `state/` and stored as `workspace/`.
 */
export function planRoots(sources: RootSources): PlannedRoots {
  const roots: ArchiveRoot[] = [];
  if (sources.stateDir) roots.push({ name: "state", path: sources.stateDir });
  if (sources.workspace) roots.push({ name: "workspace", path: sources.workspace });
  sources.extraPaths.forEach((path, i) => roots.push({ name: `extra/${i}`, path }));

  const exclude: string[] = [];
  for (const inner of roots) {
    for (const outer of roots) {
      if (inner === outer) continue;
      const rel = relative(outer.path, inner.path);
      if (rel && !rel.startsWith("..") && !rel.startsWith(sep)) {
        // Anchored ("/" first) so only this exact path inside the outer root is cut out.
        exclude.push(`/${outer.name}/${rel.split(sep).join("/")}/`);
      }
    }
  }
  return { roots, exclude };
}

// gitignore-style exclusion over archive paths ("state/cache/x"). Directories are tested with a trailing
// slash so "tmp/" patterns match them, and the walker never descends into an excluded directory, which is
// also why "!" re-includes below an excluded directory have no effect (as in git).
import ignore from "ignore";
import type { Ignore } from "ignore";

/** Decides whether an archive path is excluded. */
export interface ExcludeMatcher {
  excludes(archivePath: string, isDir: boolean): boolean;
}

// `ignore` memoizes every path it has seen; on a tree of millions of files that cache would grow without
// bound, so the matcher is rebuilt (patterns recompiled, microseconds) after this many lookups.
const LOOKUPS_PER_MATCHER = 4096;

/** Builds a matcher for gitignore patterns; case-sensitive, like git on Linux. */
export function createExcludeMatcher(patterns: readonly string[] = []): ExcludeMatcher {
  const rules = patterns.map((p) => p.trim()).filter((p) => p !== "" && !p.startsWith("#"));
  if (rules.length === 0) return { excludes: () => false };
  const build = (): Ignore => ignore({ ignorecase: false }).add(rules);
  let matcher = build();
  let lookups = 0;
  return {
    excludes(archivePath, isDir) {
      if (++lookups > LOOKUPS_PER_MATCHER) {
        matcher = build();
        lookups = 0;
      }
      return matcher.ignores(isDir ? `${archivePath}/` : archivePath);
    },
  };
}

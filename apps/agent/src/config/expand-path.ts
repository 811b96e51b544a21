import path from "node:path";
import { invalidConfig } from "./config-error.ts";

export interface ExpandPathOptions {
  homeDir: string;
  /** Directory a relative path is resolved against (the config file's directory for paths in the file). */
  baseDir: string;
  /** JSON path or variable name, for the error message. */
  where: string;
}

/** Expands a leading `~` or `~/` to the home directory and resolves the result against `baseDir`. */
export function expandPath(raw: string, { homeDir, baseDir, where }: ExpandPathOptions): string {
  if (raw === "~") return path.resolve(homeDir);
  if (raw.startsWith("~/")) return path.resolve(homeDir, raw.slice(2));
  // "~alice/…" would need the password database; silently treating it as a relative directory named
  // "~alice" would back up (or restore into) the wrong place.
  if (raw.startsWith("~")) {
    throw invalidConfig([`${where}: "${raw}" uses ~user, which is not supported — write the full path`]);
  }
  return path.resolve(baseDir, raw);
}

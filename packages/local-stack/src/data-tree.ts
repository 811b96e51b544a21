// A directory tree as a comparable record, for tests that restore data and must show it came back byte
// for byte: every file (mode and SHA-256 of its content), directory (mode) and symlink (target), by
// path. Restore work dirs at the top (`.nacre-restore-*`, `.nacre-pre-restore-*`) are left out.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file, dir and symlink under `dir` (restore work dirs left out) → its content's SHA-256, mode or target. */
export function dataTree(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (dir === base && name.startsWith(".nacre-")) continue;
    const path = join(dir, name);
    const rel = relative(base, path);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(path)}`;
    else if (st.isDirectory()) Object.assign(out, { [rel]: `dir:${(st.mode & 0o777).toString(8)}` }, dataTree(path, base));
    else out[rel] = `file:${(st.mode & 0o777).toString(8)}:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
  }
  return out;
}

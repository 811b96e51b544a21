// Reads a whole archive and returns what it holds, writing nothing: the verify step of a restore. It
// applies the same rules as extractArchive (paths, link targets, entry kinds, conflicting duplicates), so
// an archive that lists cleanly is one that extracts.
import { ArchiveError } from "./archive-error.ts";
import { checkLinkResolution, checkLinkTarget, checkNoLinkAncestor } from "./entry-rules.ts";
import { admissiblePath } from "./extract-archive.ts";
import { parseTarEntries } from "./parse-tar-entries.ts";
import { TarInput } from "./tar-input.ts";
import type { ArchiveEntryInfo, ListOptions } from "./types.ts";
import type { Readable } from "node:stream";

/** Reads a tar stream and returns its entries' metadata without writing anything (for verify). */
export async function listArchive(source: Readable | AsyncIterable<Uint8Array>, opts: ListOptions = {}): Promise<ArchiveEntryInfo[]> {
  const outsideLinks = opts.outsideLinks ?? "reject";
  const input = new TarInput(source, opts.recycle);
  const entries: ArchiveEntryInfo[] = [];
  const kinds = new Map<string, ArchiveEntryInfo["type"]>();
  const links = new Map<string, string>();
  try {
    for await (const entry of parseTarEntries(input)) {
      const path = admissiblePath(entry);
      if (path === "") continue;
      checkNoLinkAncestor(path, links);
      checkNoFileAncestor(path, kinds);
      const type = entry.type as ArchiveEntryInfo["type"];
      const earlier = kinds.get(path);
      if (earlier !== undefined && (earlier !== "dir" || type !== "dir")) {
        throw new ArchiveError("E_DUPLICATE_ENTRY", `entry "${path}" appears twice; the archive is malformed`, { path });
      }
      kinds.set(path, type);
      const info: ArchiveEntryInfo = { path, type, size: type === "file" ? entry.size : 0, mode: entry.mode, mtime: new Date(Number(entry.mtimeNs / 1_000_000n)) };
      if (type === "symlink") {
        checkLinkTarget(path, entry.linkpath, outsideLinks);
        links.set(path, entry.linkpath);
        info.linkpath = entry.linkpath;
      }
      entries.push(info);
    }
    await input.drain();
    if (outsideLinks === "reject") for (const path of links.keys()) checkLinkResolution(path, links);
    return entries;
  } finally {
    await input.close();
  }
}

// Extraction would find a file where this entry needs a parent directory.
function checkNoFileAncestor(path: string, kinds: ReadonlyMap<string, ArchiveEntryInfo["type"]>): void {
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    if (kinds.get(path.slice(0, i)) === "file") {
      throw new ArchiveError("E_DUPLICATE_ENTRY", `entry "${path}" lies below the file ${path.slice(0, i)}; the archive is malformed`, { path });
    }
  }
}

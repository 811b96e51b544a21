// Turns a tar stream into entries: applies pax extended headers (`x` for the next entry, `g` for all that
// follow) and GNU long names (`L`, `K`), which ordinary tools emit, and requires the two zero blocks that
// end an archive, so a stream cut at an entry boundary is reported as truncated rather than accepted.
import { ArchiveError } from "./archive-error.ts";
import { decodeTarHeader, isZeroBlock } from "./decode-tar-header.ts";
import { parsePaxInteger, parsePaxRecords, parsePaxTime } from "./pax-records.ts";
import type { TarInput } from "./tar-input.ts";

export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char-device" | "block-device" | "fifo" | "other";

export interface TarEntry {
  /** The path as stored (not yet checked or normalized). */
  path: string;
  type: TarEntryType;
  /** The raw type flag, for messages about unsupported entries. */
  typeflag: string;
  size: number;
  mode: number;
  /** Numeric owner and group as recorded (pax `uid`/`gid` when present). */
  uid: number;
  gid: number;
  mtimeNs: bigint;
  linkpath: string;
  /** Set when the entry uses a pax extension we cannot honour (GNU sparse files, binary names). */
  unsupported?: string;
  /** Offset in the stream where the entry's data ends (its padding included). */
  end: number;
}

// Extended headers are read whole; real ones are a few hundred bytes, this only stops a hostile size.
const MAX_META_BYTES = 1024 * 1024;
const TYPES: Record<string, TarEntryType> = {
  "0": "file", "\u0000": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char-device", "4": "block-device", "5": "dir", "6": "fifo",
};

/** Yields each entry; the caller may read its body from `input` before asking for the next one. */
export async function* parseTarEntries(input: TarInput): AsyncGenerator<TarEntry> {
  let global = new Map<string, string>();
  let local = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  // Extended headers may repeat; what they add up to is capped like a single one.
  let localBytes = 0;
  let globalBytes = 0;
  while (true) {
    const block = await input.readBlock();
    if (!block) throw truncated("without its end-of-archive marker");
    if (isZeroBlock(block)) {
      const second = await input.readBlock();
      if (!second) throw truncated("after only one of its two end-of-archive blocks");
      if (!isZeroBlock(second)) throw corrupt("a zero block appears in the middle of the archive");
      return;
    }
    const raw = decodeTarHeader(block);
    const bodyEnd = input.offset + Math.ceil(raw.size / 512) * 512;
    if ("xgLK".includes(raw.typeflag)) {
      if (raw.typeflag === "g") globalBytes += raw.size;
      else localBytes += raw.size;
      if (localBytes > MAX_META_BYTES || globalBytes > MAX_META_BYTES) throw corrupt("its extended headers are implausibly large");
      const body = await input.readAll(raw.size);
      await input.skipTo(bodyEnd);
      if (raw.typeflag === "x") local = new Map([...local, ...parsePaxRecords(body)]);
      else if (raw.typeflag === "g") global = new Map([...global, ...parsePaxRecords(body)]);
      else if (raw.typeflag === "L") longName = cString(body);
      else longLink = cString(body);
      continue;
    }
    const pax = new Map([...global, ...local]);
    const value = (key: string): string | undefined => {
      const v = pax.get(key);
      return v === undefined || v === "" ? undefined : v;
    };
    const sizeText = value("size");
    const size = sizeText === undefined ? raw.size : parsePaxInteger("size", sizeText);
    const mtimeText = value("mtime");
    const path = value("path") ?? longName ?? raw.name;
    const entry: TarEntry = {
      path,
      type: typeOf(raw.typeflag, path),
      typeflag: raw.typeflag,
      size,
      mode: raw.mode & 0o7777,
      uid: paxId("uid", value("uid")) ?? raw.uid,
      gid: paxId("gid", value("gid")) ?? raw.gid,
      mtimeNs: mtimeText === undefined ? raw.mtimeNs : parsePaxTime(mtimeText),
      linkpath: value("linkpath") ?? longLink ?? raw.linkname,
      end: input.offset + Math.ceil(size / 512) * 512,
    };
    const unsupported = unsupportedExtension(pax);
    if (unsupported) entry.unsupported = unsupported;
    local = new Map();
    localBytes = 0;
    longName = undefined;
    longLink = undefined;
    yield entry;
    await input.skipTo(entry.end);
  }
}

function paxId(key: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parsePaxInteger(key, text);
}

function typeOf(typeflag: string, path: string): TarEntryType {
  const type = TYPES[typeflag] ?? "other";
  // Pre-POSIX archives mark directories only by a trailing slash on a regular entry.
  if (type === "file" && typeflag !== "7" && path.endsWith("/")) return "dir";
  return type;
}

function unsupportedExtension(pax: Map<string, string>): string | undefined {
  for (const key of pax.keys()) {
    if (key.startsWith("GNU.sparse.")) return "a GNU sparse file";
  }
  if (pax.get("hdrcharset") === "BINARY") return "a name that is not UTF-8";
  return undefined;
}

function cString(body: Buffer): string {
  const nul = body.indexOf(0);
  return body.toString("utf8", 0, nul < 0 ? body.length : nul);
}

function truncated(where: string): ArchiveError {
  return new ArchiveError("E_ARCHIVE_TRUNCATED", `the archive ends ${where}; the backup is incomplete, use another snapshot`);
}

function corrupt(detail: string): ArchiveError {
  return new ArchiveError("E_ARCHIVE_CORRUPT", `${detail}; the archive is damaged, use another snapshot`);
}

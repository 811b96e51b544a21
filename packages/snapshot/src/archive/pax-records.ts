// POSIX pax extended-header records ("<len> <key>=<value>\n", len counting the whole record in bytes) and
// the decimal time format pax uses for sub-second mtimes. Pure functions, shared by writer and reader.
import { ArchiveError } from "./archive-error.ts";

const NS_PER_SEC = 1_000_000_000n;

/** Encodes pax records; each length prefix counts its own digits, so it is found by iteration. */
export function encodePaxRecords(records: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: string[] = [];
  for (const [key, value] of records) {
    const body = Buffer.byteLength(` ${key}=${value}\n`);
    const digits = String(body).length;
    let len = body + digits;
    // Adding the prefix can carry into one more digit (98 + 2 = 100), never two.
    if (String(len).length > digits) len = body + String(len).length;
    parts.push(`${len} ${key}=${value}\n`);
  }
  return Buffer.from(parts.join(""), "utf8");
}

/** Parses pax records into key → value; an empty value means "unset" and is kept as "". */
export function parsePaxRecords(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  // A pax body is padded with NULs to the block; some writers leave trailing NULs inside `size` too.
  while (pos < buf.length && buf[pos] !== 0) {
    const space = buf.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw corrupt("a pax record has no length");
    const lenText = buf.toString("latin1", pos, space);
    if (!/^[0-9]+$/.test(lenText)) throw corrupt(`a pax record has a bad length "${lenText}"`);
    const len = Number(lenText);
    const end = pos + len;
    if (len <= space - pos + 1 || end > buf.length || buf[end - 1] !== 0x0a) throw corrupt("a pax record overruns its header");
    const record = buf.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw corrupt("a pax record has no key");
    out.set(record.toString("utf8", 0, eq), record.toString("utf8", eq + 1));
    pos = end;
  }
  return out;
}

/** Formats nanoseconds since the epoch as pax decimal seconds, trimming trailing zeros ("1700000000.5"). */
export function formatPaxTime(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const sec = abs / NS_PER_SEC;
  const frac = abs % NS_PER_SEC;
  const fracText = frac === 0n ? "" : "." + frac.toString().padStart(9, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${sec}${fracText}`;
}

/** Parses pax decimal seconds into nanoseconds; digits beyond nanoseconds are dropped. */
export function parsePaxTime(text: string): bigint {
  const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(text);
  if (!m) throw corrupt(`a pax time "${text}" is not a decimal number`);
  const frac = BigInt((m[3] ?? "").slice(0, 9).padEnd(9, "0"));
  const ns = BigInt(m[2] ?? "0") * NS_PER_SEC + frac;
  return m[1] === "-" ? -ns : ns;
}

/** Parses a pax decimal integer (size, uid, gid), which must fit a safe JavaScript number. */
export function parsePaxInteger(key: string, text: string): number {
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw corrupt(`the pax "${key}" value "${text.slice(0, 40)}" is not a valid number`);
  }
  return Number(text);
}

function corrupt(detail: string): ArchiveError {
  return new ArchiveError("E_ARCHIVE_CORRUPT", `${detail}; the archive is damaged, use another snapshot`);
}

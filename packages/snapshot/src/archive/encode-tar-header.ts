// Encodes one entry as a ustar header, preceded by a pax `x` header when a field does not fit ustar:
// non-ASCII or >100-byte names and link targets, sizes of 8 GiB and more, sub-second or out-of-range
// mtimes, large ids, long owner names. Readers that ignore pax still get a usable (clipped) ustar header.
// This runs once per file, so it writes straight into one pooled buffer, with no per-field strings.
import { encodePaxRecords, formatPaxTime } from "./pax-records.ts";

export const BLOCK = 512;
const NS_PER_SEC = 1_000_000_000n;
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;
// Any UTF-16 unit above 0x7f (surrogates included) means the text is not plain ASCII.
const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

export interface TarHeaderInput {
  /** Archive path, "/"-separated, without a trailing slash. */
  path: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Data bytes that follow the header (0 for dirs and symlinks). */
  size: number;
  mtimeNs: bigint;
  linkpath?: string;
}

interface UstarFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname: string;
  uname: string;
  gname: string;
}

// Fields every header shares (magic "ustar\0", version "00", device numbers), copied in first.
const TEMPLATE = Buffer.alloc(BLOCK);
TEMPLATE.write("ustar\u000000", 257, 8, "latin1");
writeOctal(TEMPLATE, 329, 8, 0);
writeOctal(TEMPLATE, 337, 8, 0);

/** Rounds a byte count up to whole 512-byte tar blocks. */
export function padToBlock(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/**
 * Encodes the header blocks of one entry (pax + ustar, a multiple of 512 bytes) at the start of a buffer
 * with `room` more bytes after it, left uninitialized for the caller's data.
 */
export function encodeTarHeader(h: TarHeaderInput, room = 0): Buffer {
  const name = h.type === "dir" ? `${h.path}/` : h.path;
  const link = h.linkpath ?? "";
  const sec = floorDiv(h.mtimeNs, NS_PER_SEC);
  const mtimeFits = sec >= 0n && sec <= BigInt(MAX_OCTAL_11) && h.mtimeNs % NS_PER_SEC === 0n;
  const pax: Array<[string, string]> = [];
  if (name.length > 100 || NON_ASCII.test(name)) pax.push(["path", name]);
  if (link.length > 100 || NON_ASCII.test(link)) pax.push(["linkpath", link]);
  if (h.size > MAX_OCTAL_11) pax.push(["size", String(h.size)]);
  if (!mtimeFits) pax.push(["mtime", formatPaxTime(h.mtimeNs)]);
  if (h.uid > MAX_OCTAL_7) pax.push(["uid", String(h.uid)]);
  if (h.gid > MAX_OCTAL_7) pax.push(["gid", String(h.gid)]);
  if (h.uname.length > 31 || NON_ASCII.test(h.uname)) pax.push(["uname", h.uname]);
  if (h.gname.length > 31 || NON_ASCII.test(h.gname)) pax.push(["gname", h.gname]);

  const clampedSec = sec < 0n ? 0 : sec > BigInt(MAX_OCTAL_11) ? MAX_OCTAL_11 : Number(sec);
  const records = pax.length > 0 ? encodePaxRecords(pax) : undefined;
  const headerLength = records ? 2 * BLOCK + padToBlock(records.length) : BLOCK;
  const out = Buffer.allocUnsafe(headerLength + room);
  if (records) {
    writeUstar(out, 0, {
      // GNU tar names these "<dir>/PaxHeaders/<base>"; any name works, readers that know pax never use it.
      name: asciiClip(`PaxHeaders/${baseName(h.path)}`, 100),
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: records.length,
      mtime: clampedSec,
      typeflag: 0x78, // "x"
      linkname: "",
      uname: "",
      gname: "",
    });
    records.copy(out, BLOCK);
    out.fill(0, BLOCK + records.length, headerLength - BLOCK);
  }
  writeUstar(out, headerLength - BLOCK, {
    name: asciiClip(name, 100),
    mode: h.mode & 0o7777,
    uid: h.uid > MAX_OCTAL_7 ? 0 : h.uid,
    gid: h.gid > MAX_OCTAL_7 ? 0 : h.gid,
    size: h.size > MAX_OCTAL_11 ? 0 : h.size,
    mtime: clampedSec,
    typeflag: h.type === "file" ? 0x30 : h.type === "dir" ? 0x35 : 0x32, // "0", "5", "2"
    linkname: asciiClip(link, 100),
    uname: asciiClip(h.uname, 31),
    gname: asciiClip(h.gname, 31),
  });
  return out;
}

/** The two zero blocks that end every archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

function writeUstar(b: Buffer, at: number, f: UstarFields): void {
  TEMPLATE.copy(b, at);
  b.write(f.name, at, 100, "latin1");
  writeOctal(b, at + 100, 8, f.mode);
  writeOctal(b, at + 108, 8, f.uid);
  writeOctal(b, at + 116, 8, f.gid);
  writeOctal(b, at + 124, 12, f.size);
  writeOctal(b, at + 136, 12, f.mtime);
  b[at + 156] = f.typeflag;
  if (f.linkname) b.write(f.linkname, at + 157, 100, "latin1");
  if (f.uname) b.write(f.uname, at + 265, 32, "latin1");
  if (f.gname) b.write(f.gname, at + 297, 32, "latin1");
  // The checksum is the byte sum with its own field read as eight spaces, stored as 6 digits, NUL, space.
  b.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + BLOCK; i++) sum += b[i] as number;
  writeOctal(b, at + 148, 7, sum);
  b[at + 155] = 0x20;
}

// width - 1 zero-padded octal digits and a NUL, written digit by digit (no string per field).
function writeOctal(b: Buffer, at: number, width: number, value: number): void {
  let v = value;
  for (let i = at + width - 2; i >= at; i--) {
    b[i] = 0x30 + (v % 8);
    v = Math.floor(v / 8);
  }
  b[at + width - 1] = 0;
}

// The ustar fallback must be plain ASCII and fit its field; the pax record carries the real value.
function asciiClip(text: string, max: number): string {
  const ascii = NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, "_") : text;
  return ascii.length > max ? ascii.slice(0, max) : ascii;
}

function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

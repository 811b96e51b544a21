// Decodes one 512-byte tar header block: ustar (POSIX), GNU ("ustar  \0", base-256 numbers) and v7.
// The checksum is verified before any field is trusted; pax and GNU long-name records are applied by the
// entry parser, which sees the whole sequence of headers.
import { ArchiveError } from "./archive-error.ts";

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

export interface RawTarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
}

/** True when the block is all zeros: half of the end-of-archive marker. */
export function isZeroBlock(block: Buffer): boolean {
  return block.equals(ZERO_BLOCK);
}

/** Decodes a header block after checking its checksum; throws E_ARCHIVE_CORRUPT when it does not match. */
export function decodeTarHeader(block: Buffer): RawTarHeader {
  verifyChecksum(block);
  const magic = block.toString("latin1", 257, 263);
  const isUstar = magic === "ustar\u0000";
  let name = cString(block, 0, 100);
  // Only POSIX ustar has a prefix field; old GNU headers keep atime/ctime in the same bytes.
  if (isUstar) {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: readNumber(block, 100, 8, "mode"),
    uid: readNumber(block, 108, 8, "uid"),
    gid: readNumber(block, 116, 8, "gid"),
    size: readNumber(block, 124, 12, "size"),
    mtimeNs: BigInt(readNumber(block, 136, 12, "mtime")) * 1_000_000_000n,
    typeflag: String.fromCharCode(block[156] ?? 0),
    linkname: cString(block, 157, 100),
    uname: cString(block, 265, 32),
    gname: cString(block, 297, 32),
  };
}

function verifyChecksum(block: Buffer): void {
  const stored = cString(block, 148, 8).trim();
  if (!/^[0-7]{1,8}$/.test(stored)) throw corrupt("a header has no valid checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed chars; accepting both is what GNU tar does.
  const expected = parseInt(stored, 8);
  if (expected !== unsigned && expected !== signed) throw corrupt("a header checksum does not match");
}

// Names in tar headers are UTF-8 in practice (GNU tar writes the bytes of the file name as they are).
function cString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString("utf8", offset, end < 0 || end > offset + length ? offset + length : end);
}

// Octal (NUL/space-terminated) or GNU base-256 (high bit of the first byte set) for values that overflow.
function readNumber(block: Buffer, offset: number, length: number, field: string): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw corrupt(`a header has a negative ${field}`);
    let value = BigInt(first & 0x7f);
    for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(block[offset + i] ?? 0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a header ${field} is out of range`);
    return Number(value);
  }
  let text = block.toString("latin1", offset, offset + length);
  const nul = text.indexOf("\0");
  text = (nul < 0 ? text : text.slice(0, nul)).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw corrupt(`a header ${field} field is not octal`);
  return parseInt(text, 8);
}

function corrupt(detail: string): ArchiveError {
  return new ArchiveError("E_ARCHIVE_CORRUPT", `${detail}; the archive is damaged, use another snapshot`);
}

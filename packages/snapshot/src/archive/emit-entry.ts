// Writes one file entry into the output: its header, then its data read straight into the reader's
// buffer, then the padding to a whole block. A file that changes size while read still yields exactly the
// size its header announced, zero-padded or cut, with a W_CHANGED warning: the archive must stay valid
// whatever the app does. The emitter is a generator that pauses (yields) each time the reader's buffer is
// full, so a file of any size is streamed one buffer at a time, at the pace the reader asks for more.
import { encodeTarHeader, padToBlock } from "./encode-tar-header.ts";
import { readFully } from "./file-reader.ts";
import type { PreparedFile } from "./prepare-entry.ts";
import { SQLITE_MAGIC } from "./sqlite-staging.ts";
import type { TarOutput } from "./tar-output.ts";
import type { ArchiveWarning } from "./types.ts";

export interface EmitContext {
  warn: (w: ArchiveWarning) => void;
  /** Called with file data bytes read (per chunk for large files), and with fileDone when a file is complete. */
  progress: (bytes: number, fileDone: boolean) => void;
}

// SQLite's smallest page is 512 bytes; a shorter file with the magic is a fragment SQLite would treat as an
// empty database, so its raw bytes are archived (with W_SQLITE_RAW) instead of an empty copy.
const MIN_DATABASE_BYTES = 512;
const MAGIC = SQLITE_MAGIC.length;

/**
 * Writes the file's entry, pausing whenever the output is full. With `sniff`, a file that starts with the
 * SQLite magic is not written at all (the output is left as it was) and "sqlite" is returned, so that the
 * caller can archive a consistent copy instead; otherwise "done".
 */
export function* emitFile(file: PreparedFile, out: TarOutput, ctx: EmitContext, sniff: boolean): Generator<void, "done" | "sqlite"> {
  const size = file.header.size;
  const header = encodeTarHeader(file.header);
  let sniffing = sniff && size >= MAGIC;
  // A database is recognised by its first bytes, read with the first data right after the header; both must
  // still be in the current chunk, not handed on, so that the entry can be taken back. When the chunk is
  // too full for that (rarely: the header would have to land in the chunk's last bytes), the magic is read
  // on its own first.
  if (sniffing && out.room < header.length + MAGIC) {
    sniffing = false;
    if (peekMagic(file)) {
      if (size >= MIN_DATABASE_BYTES) return "sqlite";
      ctx.warn(tooSmall(file.absPath, size));
    }
  }
  const mark = out.used;
  out.write(header);
  let position = 0;
  let ended = false;
  let changed = false;
  let unreported = 0;
  // An empty file has no last read to probe with.
  if (size === 0 && readFully(file.fd, spare, 0, 1, 0, false, file.absPath) > 0) changed = true;
  while (position < size) {
    if (out.full) {
      // The reader's buffer is complete: report progress and let it go before reading more.
      ctx.progress(unreported, false);
      unreported = 0;
      yield;
    }
    const want = Math.min(out.room, size - position);
    // The last read asks for one byte more, so a file that grew is noticed in the same syscall; when the
    // buffer has no byte to spare for it, which is rare, that byte is read on its own.
    const last = position + want === size;
    let got = 0;
    if (!ended) {
      got = readFully(file.fd, out.buf, out.used, want, position, last && want < out.room, file.absPath);
      if (position === 0 && sniffing && got >= MAGIC && startsWithMagic(out.buf, out.used)) {
        if (size >= MIN_DATABASE_BYTES) {
          out.rewind(mark);
          return "sqlite";
        }
        ctx.warn(tooSmall(file.absPath, size));
      }
      if (last && got === want && want === out.room) got += readFully(file.fd, spare, 0, 1, size, false, file.absPath);
      // After a short read the file ended early: the rest of the announced size is zeros, read no more.
      if (got < want) ended = true;
      if (got !== want) changed = true;
    }
    const data = Math.min(got, want);
    if (data < want) out.buf.fill(0, out.used + data, out.used + want);
    unreported += data;
    position += want;
    out.advance(want);
  }
  out.zeros(padToBlock(size) - size);
  if (changed) {
    ctx.warn({ code: "W_CHANGED", path: file.absPath, message: `${file.absPath} changed size while it was archived; stored its first ${size} bytes (zero-padded if it shrank), the next backup will have it whole` });
  }
  ctx.progress(unreported, true);
  return "done";
}

// Scratch space for the rare reads that cannot go into the reader's buffer.
const peeked = Buffer.alloc(MAGIC);
const spare = Buffer.alloc(1);

function peekMagic(file: PreparedFile): boolean {
  return readFully(file.fd, peeked, 0, MAGIC, 0, false, file.absPath) === MAGIC && startsWithMagic(peeked, 0);
}

// Checked for every file, so the first byte is tested in JS before anything calls into C++.
function startsWithMagic(buf: Buffer, at: number): boolean {
  return buf[at] === 0x53 && buf.compare(SQLITE_MAGIC, 0, MAGIC, at, at + MAGIC) === 0;
}

function tooSmall(path: string, size: number): ArchiveWarning {
  return rawWarning(path, `is only ${size} bytes, smaller than one SQLite page`);
}

/** The warning for a file that looks like a database but is archived as it is. */
export function rawWarning(path: string, reason: string): ArchiveWarning {
  return { code: "W_SQLITE_RAW", path, message: `${path} starts like a SQLite database but ${reason}; archived its raw bytes` };
}

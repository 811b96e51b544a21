// Finds where each gzip member ends. Browsers' DecompressionStream("gzip") accepts exactly one member
// and errors on anything after it (the Compression Streams spec; Node 24 now does the same), but our
// writer emits one member per 1 MiB frame. The end of a deflate stream is only known by walking its
// Huffman codes, so this walks them — block types, code tables, symbols and extra bits — without
// producing output, keeping no window and no state but the bit buffer and the current code tables.
// It is a resumable generator: it yields whenever the current input slice runs out.

/** Bits of the current slice, consumed LSB first (RFC 1951 §3.1.1). */
export class BitInput {
  chunk: Uint8Array = new Uint8Array(0);
  pos = 0;
  bitBuf = 0;
  bitCount = 0;

  /** Make at least `n` (≤ 16) bits available; false when the slice ran out first. */
  need(n: number): boolean {
    while (this.bitCount < n) {
      if (this.pos >= this.chunk.length) return false;
      this.bitBuf |= (this.chunk[this.pos++] as number) << this.bitCount;
      this.bitCount += 8;
    }
    return true;
  }

  /** Consume `n` available bits. */
  bits(n: number): number {
    const value = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return value;
  }

  alignToByte(): void {
    this.bits(this.bitCount & 7);
  }
}

interface Huffman {
  /** Indexed by the next maxLen input bits: (symbol << 4) | code length, 0 where no code matches. */
  table: Uint16Array;
  maxLen: number;
}

/** A malformed gzip stream; decompress-gzip turns it into E_COMPRESSED_CORRUPT. */
export class GzipFormatError extends Error {}

const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const FIXED_LITERALS = buildHuffman(Uint8Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)));
const FIXED_DISTANCES = buildHuffman(new Uint8Array(30).fill(5));

type Scan = Generator<void, void, void>;

/** Walk one gzip member (header, deflate blocks, trailer); returns with `input.pos` just past its trailer. */
export function* scanGzipMember(input: BitInput): Scan {
  const header = yield* readBytes(input, 10);
  if (header[0] !== 0x1f || header[1] !== 0x8b) throw new GzipFormatError("a member does not start with the gzip magic number");
  if (header[2] !== 8) throw new GzipFormatError(`unknown compression method ${header[2]}`);
  const flags = header[3] as number;
  if ((flags & 0xe0) !== 0) throw new GzipFormatError("a member header sets reserved flags");
  if (flags & 0x04) {
    const xlen = yield* readBytes(input, 2);
    yield* skipBytes(input, (xlen[0] as number) | ((xlen[1] as number) << 8));
  }
  if (flags & 0x08) yield* skipZeroTerminated(input);
  if (flags & 0x10) yield* skipZeroTerminated(input);
  if (flags & 0x02) yield* skipBytes(input, 2);

  let final = 0;
  do {
    while (!input.need(3)) yield;
    final = input.bits(1);
    const type = input.bits(2);
    if (type === 0) yield* skipStoredBlock(input);
    else if (type === 1) yield* skipSymbols(input, FIXED_LITERALS, FIXED_DISTANCES);
    else if (type === 2) {
      const { literals, distances } = yield* readDynamicTables(input);
      yield* skipSymbols(input, literals, distances);
    } else throw new GzipFormatError("a deflate block has the reserved type 3");
  } while (final === 0);
  input.alignToByte();
  yield* skipBytes(input, 8); // CRC-32 and size: DecompressionStream checks them
}

function* skipSymbols(input: BitInput, literals: Huffman, distances: Huffman): Scan {
  for (;;) {
    while (!input.need(literals.maxLen)) yield;
    const symbol = decode(input, literals);
    if (symbol < 256) continue;
    if (symbol === 256) return;
    const lengthExtra = LENGTH_EXTRA[symbol - 257];
    if (lengthExtra === undefined) throw new GzipFormatError(`invalid length symbol ${symbol}`);
    if (lengthExtra > 0) {
      while (!input.need(lengthExtra)) yield;
      input.bits(lengthExtra);
    }
    if (distances.maxLen === 0) throw new GzipFormatError("a match without distance codes");
    while (!input.need(distances.maxLen)) yield;
    const distanceExtra = DISTANCE_EXTRA[decode(input, distances)];
    if (distanceExtra === undefined) throw new GzipFormatError("invalid distance symbol");
    if (distanceExtra > 0) {
      while (!input.need(distanceExtra)) yield;
      input.bits(distanceExtra);
    }
  }
}

function* readDynamicTables(input: BitInput): Generator<void, { literals: Huffman; distances: Huffman }, void> {
  while (!input.need(14)) yield;
  const literalCount = input.bits(5) + 257;
  const distanceCount = input.bits(5) + 1;
  const codeLengthCount = input.bits(4) + 4;
  if (literalCount > 286 || distanceCount > 30) throw new GzipFormatError("too many length or distance codes");
  const codeLengthLengths = new Uint8Array(19);
  for (let i = 0; i < codeLengthCount; i++) {
    while (!input.need(3)) yield;
    codeLengthLengths[CODE_LENGTH_ORDER[i] as number] = input.bits(3);
  }
  const codeLengths = buildHuffman(codeLengthLengths);
  if (codeLengths.maxLen === 0) throw new GzipFormatError("empty code-length code");
  const lengths = new Uint8Array(literalCount + distanceCount);
  for (let i = 0; i < lengths.length; ) {
    while (!input.need(codeLengths.maxLen)) yield;
    const symbol = decode(input, codeLengths);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    const [extraBits, base] = symbol === 16 ? [2, 3] : symbol === 17 ? [3, 3] : [7, 11];
    while (!input.need(extraBits)) yield;
    const repeat = base + input.bits(extraBits);
    if (symbol === 16 && i === 0) throw new GzipFormatError("a repeated code length with no previous length");
    if (i + repeat > lengths.length) throw new GzipFormatError("code lengths overflow the table");
    lengths.fill(symbol === 16 ? (lengths[i - 1] as number) : 0, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new GzipFormatError("no end-of-block code");
  return { literals: buildHuffman(lengths.subarray(0, literalCount)), distances: buildHuffman(lengths.subarray(literalCount)) };
}

function* skipStoredBlock(input: BitInput): Scan {
  input.alignToByte();
  const lengths = yield* readBytes(input, 4);
  const length = (lengths[0] as number) | ((lengths[1] as number) << 8);
  const complement = (lengths[2] as number) | ((lengths[3] as number) << 8);
  if ((length ^ 0xffff) !== complement) throw new GzipFormatError("a stored block's length check fails");
  yield* skipBytes(input, length);
}

/** `n` whole bytes; only called where the input is byte-aligned. */
function* readBytes(input: BitInput, n: number): Generator<void, Uint8Array, void> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    while (!input.need(8)) yield;
    out[i] = input.bits(8);
  }
  return out;
}

function* skipBytes(input: BitInput, n: number): Scan {
  while (n > 0 && input.bitCount > 0) {
    input.bits(8);
    n--;
  }
  while (n > 0) {
    const step = Math.min(n, input.chunk.length - input.pos);
    input.pos += step;
    n -= step;
    if (n > 0) yield;
  }
}

function* skipZeroTerminated(input: BitInput): Scan {
  for (;;) {
    while (!input.need(8)) yield;
    if (input.bits(8) === 0) return;
  }
}

function decode(input: BitInput, code: Huffman): number {
  const entry = code.table[input.bitBuf & ((1 << code.maxLen) - 1)] as number;
  if (entry === 0) throw new GzipFormatError("an invalid Huffman code");
  input.bits(entry & 15);
  return entry >>> 4;
}

/** Canonical Huffman decoding table (RFC 1951 §3.2.2); incomplete codes are allowed, over-full ones are not. */
function buildHuffman(lengths: Uint8Array): Huffman {
  const counts = new Uint16Array(16);
  for (const length of lengths) counts[length] = (counts[length] as number) + 1;
  counts[0] = 0;
  let left = 1;
  let maxLen = 0;
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len <= 15; len++) {
    left = (left << 1) - (counts[len] as number);
    if (left < 0) throw new GzipFormatError("an over-subscribed Huffman code");
    if ((counts[len] as number) > 0) maxLen = len;
    code = (code + (counts[len - 1] as number)) << 1;
    next[len] = code;
  }
  const table = new Uint16Array(1 << maxLen);
  lengths.forEach((len, symbol) => {
    if (len === 0) return;
    const code = next[len] as number;
    next[len] = code + 1;
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (let i = reversed; i < table.length; i += 1 << len) table[i] = (symbol << 4) | len;
  });
  return { table, maxLen };
}

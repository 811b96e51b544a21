// The control plane reads a snapshot's key slot straight from the object's first bytes (a ranged GET
// through a pre-signed URL): the wrapped data key lives only in the header, never in Postgres. Only
// the fields a restore needs are read here (docs/format.md, "Header"); the agent authenticates the
// whole header and every chunk with the data key, so nothing here has to be trusted beyond the unwrap,
// whose RFC 3394 integrity check refuses a wrapped key that was not made under this customer key.
import { crc32 } from "node:zlib";
import { hkdfSync, timingSafeEqual } from "node:crypto";

const MAGIC = Buffer.from("NACRESNP", "ascii");
const MANAGED = 3;
const MAX_SLOT = 1024;
/** Enough for any v1 header: 102 + the largest slot. */
export const MAX_HEADER_BYTES = 102 + MAX_SLOT;
const WRAPPED_LENGTH = 40;

export interface KeySlot {
  keyId: string;
  wrappedKey: Uint8Array;
  fileSalt: Uint8Array;
  keyCheck: Uint8Array;
}

/** Parses a managed-mode header's key slot; throws an Error with E_SNAPSHOT_HEADER for anything else. */
export function readKeySlot(bytes: Uint8Array): KeySlot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): Error => Object.assign(new Error(`E_SNAPSHOT_HEADER: the snapshot's header ${why} — the stored object is damaged or not a managed snapshot`), { code: "E_SNAPSHOT_HEADER" });
  if (buf.length < 50 || !buf.subarray(0, 8).equals(MAGIC)) throw bad("does not start with NACRESNP");
  if (buf[8] !== 1) throw bad(`has version ${buf[8]}, not 1`);
  if (buf[10] !== MANAGED) throw bad(`has key mode ${buf[10]}, not managed (3)`);
  const slotLength = buf.readUInt16BE(48);
  if (slotLength > MAX_SLOT || buf.length < 70 + slotLength) throw bad("is cut short or has an oversized key slot");
  if (crc32(buf.subarray(0, 50 + slotLength)) !== buf.readUInt32BE(50 + slotLength)) throw bad("fails its CRC");
  const keyIdLength = buf[50]!;
  if (slotLength !== 42 + keyIdLength || buf[51 + keyIdLength] !== WRAPPED_LENGTH) throw bad("has an inconsistent key slot");
  return {
    keyId: buf.subarray(51, 51 + keyIdLength).toString("utf8"),
    wrappedKey: Uint8Array.from(buf.subarray(52 + keyIdLength, 52 + keyIdLength + WRAPPED_LENGTH)),
    fileSalt: Uint8Array.from(buf.subarray(16, 48)),
    keyCheck: Uint8Array.from(buf.subarray(54 + slotLength, 70 + slotLength)),
  };
}

/** True when `dataKey` is the key this header was written with (its key-check field). */
export function keyChecks(slot: KeySlot, dataKey: Uint8Array): boolean {
  const expected = Buffer.from(hkdfSync("sha256", dataKey, slot.fileSalt, "nacre-snapshot/v1 key-check", 16));
  return timingSafeEqual(expected, slot.keyCheck);
}

/** The object's first `length` bytes (a whole header by default) through a pre-signed GET with a Range header. */
export async function fetchHeader(url: string, length: number = MAX_HEADER_BYTES): Promise<Uint8Array> {
  const response = await fetch(url, { headers: { range: `bytes=0-${length - 1}` }, signal: AbortSignal.timeout(30_000) });
  if (response.status !== 206 && response.status !== 200) {
    await response.body?.cancel();
    throw Object.assign(new Error(`E_SNAPSHOT_UNREADABLE: reading the snapshot's header answered HTTP ${response.status} — check the object still exists`), { code: "E_SNAPSHOT_UNREADABLE" });
  }
  // A server that ignores Range sends the whole object: read only what the header needs.
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  while (received < length) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, length);
}

// The server half of RFC 6455, just enough for a test gateway: `ws` is not a dependency of the agent
// (it uses Node's built-in WebSocket client), so the tests speak the framing themselves. Text, binary,
// fragments, ping and close are handled; extensions (permessage-deflate) are declined by not answering them.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export interface ServerSocket {
  /** Sends one text frame. */
  send(text: string): void;
  /** Sends one binary frame. */
  sendBinary(bytes: Uint8Array): void;
  /** Starts the closing handshake with `code`; the TCP connection ends when the client answers (or after 1 s). */
  close(code: number, reason?: string): void;
  /** Ends the TCP connection without a close frame, like a network failure. */
  destroy(): void;
  onText(listener: (text: string) => void): void;
  /** The client's close code (1006 when the connection just ended). */
  readonly closed: Promise<number>;
}

/** Completes the upgrade handshake on `socket` and returns the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): ServerSocket {
  const key = req.headers["sec-websocket-key"];
  const accept = createHash("sha1").update(`${key}${GUID}`).digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const textListeners: ((text: string) => void)[] = [];
  let buffered = head;
  let fragments: Buffer[] = [];
  let closeCode = 1006;
  let closeSent = false;
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  socket.on("close", () => resolveClosed(closeCode));
  socket.on("error", () => {});

  const write = (opcode: number, payload: Buffer): void => {
    if (socket.destroyed) return;
    const length = payload.length;
    const header = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (length >= 126 && length < 65_536) {
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(length, 2);
    } else if (length >= 65_536) {
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    socket.write(Buffer.concat([header, payload]));
  };
  const sendClose = (code: number, reason: string): void => {
    if (closeSent) return;
    closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    write(0x8, payload);
  };

  const onFrame = (opcode: number, fin: boolean, payload: Buffer): void => {
    if (opcode === 0x8) {
      closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      sendClose(closeCode === 1005 ? 1000 : closeCode, "");
      socket.end();
      return;
    }
    if (opcode === 0x9) return write(0xa, payload);
    if (opcode === 0xa) return;
    fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(fragments);
    fragments = [];
    for (const listener of textListeners) listener(message.toString("utf8"));
  };

  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const fin = (buffered[0]! & 0x80) !== 0;
      const opcode = buffered[0]! & 0x0f;
      const masked = (buffered[1]! & 0x80) !== 0;
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      const maskOffset = offset;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buffered[maskOffset + (i % 4)]!;
      buffered = buffered.subarray(offset + length);
      onFrame(opcode, fin, payload);
    }
  });

  return {
    send: (text) => write(0x1, Buffer.from(text, "utf8")),
    sendBinary: (bytes) => write(0x2, Buffer.from(bytes)),
    close(code, reason = "") {
      closeCode = code;
      sendClose(code, reason);
      setTimeout(() => socket.destroy(), 1_000).unref();
    },
    destroy: () => socket.destroy(),
    onText: (listener) => void textListeners.push(listener),
    closed,
  };
}

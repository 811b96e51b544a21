import { decodeGatewayMessage } from "@nacre/protocol";
import type { DecodeResult, GatewayMessage } from "@nacre/protocol";

/**
 * Decodes what the WebSocket delivered. Binary frames are refused like the gateway refuses them from agents
 * (E_NOT_JSON), even if they hold JSON: one frame type per direction keeps both ends' decoders alike.
 */
export function decodeFrame(data: unknown): DecodeResult<GatewayMessage> {
  if (typeof data === "string") return decodeGatewayMessage(data);
  return { ok: false, error: { code: "E_NOT_JSON", message: "frames are JSON text, not binary — send each message as one text frame" } };
}

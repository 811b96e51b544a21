// What a simulated agent does on snapshot.start, the way the real one does it: accept the command,
// open the grant with its sealing key, encrypt `data` in managed mode, and upload it through part URLs
// requested over the socket. Options make it misbehave for the security tests.
import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { exportPublicKey, openGrant } from "@nacre/core";
import { encryptBuffer } from "@nacre/snapshot";
import { uploadToPresignedParts } from "@nacre/storage";
import type { MessageOf } from "@nacre/protocol";
import type { SimAgent } from "./sim-agent.ts";

export interface SnapshotBehaviour {
  vmId: string;
  sealingKey: KeyObject;
  grantSigningKey: KeyObject;
  data: Buffer;
  /** Stop (close the socket) after this many parts are uploaded: an agent dying mid-upload. */
  dieAfterParts?: number;
  /** Report this size instead of the real one. */
  lieAboutSize?: number;
}

/** Handles the next snapshot.start on `agent`; resolves with the done report it sent (or undefined if it died). */
export async function serveOneSnapshot(agent: SimAgent, behaviour: SnapshotBehaviour): Promise<MessageOf<"snapshot.done">["payload"] | undefined> {
  const command = await agent.next("snapshot.start");
  agent.send("command.accepted", { replyTo: command.id });
  const { snapshotId, partSize } = command.payload;
  const opened = openGrant(command.payload.grant, {
    publicKey: createPublicKey(behaviour.grantSigningKey),
    vmId: behaviour.vmId,
    snapshotId,
    purpose: "snapshot",
    now: new Date(),
    agentPrivateKey: behaviour.sealingKey,
  });
  const blob = await encryptBuffer(behaviour.data, {
    key: { mode: "managed", keyId: opened.keyId, dataKey: opened.dataKey, wrappedKey: opened.wrappedKey },
    contentType: "tar+zstd",
  });
  const source = (async function* () {
    for (let at = 0; at < blob.length; at += 256 * 1024) yield blob.subarray(at, at + 256 * 1024);
  })();
  let died = false;
  const result = await uploadToPresignedParts({
    source,
    partSize,
    concurrency: 1,
    getUrls: async (fromPart, count) => {
      const id = agent.send("upload.parts.request", { snapshotId, fromPart, count: Math.min(count, 200) });
      const reply = await agent.next("upload.parts", (m) => m.payload.replyTo === id);
      return reply.payload.parts;
    },
    onProgress: (_bytes, parts) => {
      if (behaviour.dieAfterParts !== undefined && parts >= behaviour.dieAfterParts && !died) {
        died = true;
        agent.socket.terminate();
      }
    },
  }).catch((error: unknown) => {
    if (died) return undefined;
    throw error;
  });
  if (!result || died) return undefined;
  const report = { snapshotId, size: behaviour.lieAboutSize ?? result.size, sha256: result.sha256, parts: result.parts };
  agent.send("snapshot.done", report);
  return report;
}

/** The control plane's public grant key as the agent pins it. */
export const pinnedKey = (signingKey: KeyObject): string => exportPublicKey(createPublicKey(signingKey));

// One managed snapshot's bytes: /data → tar → compress → encrypt (the grant's data key) → pre-signed
// part PUTs. The agent holds no bucket credentials; it asks the gateway for part URLs as it goes and
// returns what the control plane needs to complete the upload.
import { mkdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { PartUrl, SnapshotProgress, SnapshotStart } from "@nacre/protocol";
import { createSnapshotStream } from "@nacre/snapshot";
import { uploadToPresignedParts } from "@nacre/storage";
import type { PresignedUploadResult } from "@nacre/storage";
import type { ResolvedAgentConfig } from "../config/index.ts";
import type { Output } from "../runtime/output.ts";

/** snapshot.progress goes out at most this often. */
export const PROGRESS_INTERVAL_MS = 2_000;
/** Parts in flight at once: memory stays near (3 + 1) × partSize. */
const CONCURRENCY = 3;
export const ROOT_NAME = "data";

export interface WriteSnapshotInput {
  command: SnapshotStart;
  key: { keyId: string; dataKey: Uint8Array; wrappedKey: Uint8Array };
  config: ResolvedAgentConfig;
  requestParts: (fromPart: number, count: number) => Promise<PartUrl[]>;
  sendProgress: (progress: SnapshotProgress) => void;
  out: Output;
  signal: AbortSignal;
}

/** Streams the data directory into the snapshot's object; resolves with { size, sha256, parts } or rejects. */
export async function writeSnapshot(input: WriteSnapshotInput): Promise<PresignedUploadResult> {
  const { command, config, out, signal } = input;
  const { snapshotId } = command;
  const tempDir = join(config.stateDir, "tmp");
  await mkdir(tempDir, { recursive: true, mode: 0o700 });

  let bytesIn = 0;
  let bytesOut = 0;
  let partsDone = 0;
  let lastSent = "";
  const report = (): void => {
    const progress: SnapshotProgress = { snapshotId, phase: bytesOut === 0 ? "archiving" : "uploading", bytesIn, bytesOut, partsDone };
    const text = JSON.stringify(progress);
    if (text === lastSent) return;
    lastSent = text;
    input.sendProgress(progress);
  };
  report();
  const timer = setInterval(report, PROGRESS_INTERVAL_MS);
  let source: Awaited<ReturnType<typeof createSnapshotStream>> | undefined;
  try {
    const snapshot = await createSnapshotStream({
      roots: [{ name: ROOT_NAME, path: config.dataDir }],
      compression: config.compression,
      encryption: { mode: "managed", ...input.key },
      // A restore's staging dir and the contents it replaced are the agent's, not the customer's data.
      exclude: [...config.exclude, ...agentFilesInside(config), `/${ROOT_NAME}/.nacre-restore-*/`, `/${ROOT_NAME}/.nacre-pre-restore-*/`],
      tempDir,
      signal,
      onWarning: (w) => out.warn(w.code, w.message, { path: w.path, snapshotId }),
      onProgress: (p) => {
        bytesIn = p.bytes;
      },
    });
    source = snapshot;
    return await uploadToPresignedParts({
      source: snapshot,
      release: (chunk) => snapshot.recycle(chunk),
      partSize: command.partSize,
      getUrls: input.requestParts,
      concurrency: CONCURRENCY,
      signal,
      onProgress: (bytes, parts) => {
        bytesOut = bytes;
        partsDone = parts;
      },
    });
  } finally {
    clearInterval(timer);
    // Closes the archive's files and removes SQLite staging copies when the upload stopped early.
    source?.destroy();
  }
}

/**
 * Exclude patterns for the agent's own state and identity when the config puts them inside the data
 * directory: the identity's private keys must never be in a backup, and the state changes while it is read.
 */
function agentFilesInside(config: ResolvedAgentConfig): string[] {
  const patterns: string[] = [];
  for (const [path, isDir] of [[config.stateDir, true], [config.identityFile, false]] as const) {
    const rel = relative(config.dataDir, path);
    if (rel === "" || rel.startsWith("..") || rel.startsWith(sep)) continue;
    patterns.push(`/${ROOT_NAME}/${rel.split(sep).join("/")}${isDir ? "/" : ""}`);
  }
  return patterns;
}

// One restore on the VM, step by step (docs/restore.md). Until the swap, /data is never touched: the
// snapshot is downloaded, verified (every chunk authenticated by the decrypt stream, the ciphertext's
// size and SHA-256 checked against the control plane's record) and extracted into a staging dir inside
// /data. The swap is a handful of renames on one filesystem with a journal; after it the app is resumed
// and health-checked, and a failed check swaps back. Every outcome leaves /data either restored and
// healthy, or exactly as it was (rolledBack: true) — rolledBack: false only if putting it back failed.
import { timingSafeEqual } from "node:crypto";
import { readdir, rm, statfs, stat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openGrant } from "@nacre/core";
import type { OpenedGrant } from "@nacre/core";
import type { RestoreStart } from "@nacre/protocol";
import { extractArchive, openSnapshotStream } from "@nacre/snapshot";
import { hashStream } from "@nacre/storage";
import type { ResolvedAgentConfig } from "../config/index.ts";
import type { AgentIdentity } from "../identity/identity-file.ts";
import type { Output } from "../runtime/output.ts";
import type { AppControl } from "./app-control.ts";
import { describeSnapshotFailure } from "./describe-snapshot-failure.ts";
import { downloadSnapshot } from "./download-snapshot.ts";
import type { RestoreLedger } from "./restore-ledger.ts";
import { runAppCommand } from "./run-app-command.ts";
import { agentOwnedNames, commitSwap, KEPT_PREFIX, rollBackSwap, STAGING_PREFIX, swapDataContents } from "./swap-data-contents.ts";
import type { SwapJournal } from "./swap-data-contents.ts";
import { ROOT_NAME } from "./write-snapshot.ts";

/**
 * The tar's size is unknown until it is read, so free space is checked against this multiple of the
 * ciphertext (zstd on typical /data content expands 2–3×). It is an estimate: a snapshot that expands
 * more still fails cleanly on ENOSPC during extraction, before the swap, with /data untouched.
 */
export const EXPANSION_ESTIMATE = 3;
const HEALTH_ATTEMPT_TIMEOUT_MS = 30_000;
const HEALTH_RETRY_MS = 2_000;
const PROGRESS_INTERVAL_MS = 2_000;

export interface PerformRestoreInput {
  command: RestoreStart;
  config: ResolvedAgentConfig;
  identity: AgentIdentity;
  app: AppControl;
  ledger: RestoreLedger;
  agentVersion: string;
  out: Output;
  now: () => Date;
  signal: AbortSignal;
  progress: (step: string, message: string) => void;
  /** Runs after the swap, right before the app is resumed; a failure is logged, never fails the restore. */
  beforeResume?: () => Promise<void>;
}

export type RestoreResult = { ok: true } | { ok: false; code: string; message: string; rolledBack: boolean };

class StepError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Runs the restore to its end; never throws (every failure is a RestoreResult). */
export async function performRestore(input: PerformRestoreInput): Promise<RestoreResult> {
  const { command, config, app, progress } = input;
  const staging = join(config.dataDir, `${STAGING_PREFIX}${command.restoreId}`);
  let paused = false;
  let journal: SwapJournal;
  let grant: OpenedGrant | undefined;
  try {
    grant = await preflight(input);
    // The control plane pauses the app before the pre-restore safety snapshot (app.pause); the restore
    // then takes the paused app over, and resumes it on every way out, as if it had paused it.
    if (app.isPaused()) {
      progress("pause", "the app is already paused (since the pre-restore snapshot)");
    } else {
      progress("pause", "pausing the app");
      await app.pause();
    }
    paused = true;
    const files = await stage(input, grant, staging);
    progress("verify", `every chunk authenticated and the SHA-256 matches; ${files} files staged`);
    progress("swap", "swapping the restored files into the data directory");
    journal = await swapDataContents({
      stateDir: config.stateDir, restoreId: command.restoreId, dataDir: config.dataDir, staged: join(staging, ROOT_NAME),
      kept: join(config.dataDir, `${KEPT_PREFIX}${command.restoreId}`), owned: agentOwnedNames(config.dataDir, [config.stateDir, config.identityFile]),
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    const failure = error instanceof StepError
      ? { code: error.code, message: error.message }
      : isDiskFull(error)
        ? { code: "E_DISK_FULL", message: `the data directory's filesystem filled up while the snapshot was extracted (${(error as Error).message}) — free space or grow the volume, then restore again` }
        : describeSnapshotFailure(error, input.signal.aborted);
    const resumeProblem = paused ? await resumeQuietly(app) : undefined;
    return { ok: false, code: failure.code, message: `${failure.message}; the data directory was not changed${resumeProblem ? `, but the app could not be resumed: ${resumeProblem}` : ""}`, rolledBack: true };
  } finally {
    grant?.dataKey.fill(0);
  }

  const unhealthy = await resumeAndCheck(input);
  if (unhealthy === undefined) {
    await commitSwap(config.stateDir, journal);
    const removeAfter = new Date(input.now().getTime() + config.restore.keepPreviousHours * 3_600_000);
    await input.ledger.keep({ restoreId: command.restoreId, path: journal.kept, removeAfter: removeAfter.toISOString() }).catch(() => {});
    progress("done", `restored; the previous contents are kept in ${journal.kept} until ${removeAfter.toISOString()}`);
    return { ok: true };
  }
  progress("rollback", `${unhealthy.message}; putting the previous data back`);
  try {
    await resumeQuietly(app, "pause");
    await rollBackSwap(config.stateDir, journal);
  } catch (error) {
    return { ok: false, code: "E_ROLLBACK_FAILED", message: `${unhealthy.message}; rolling back failed too (${(error as Error).message}) — the journal ${config.stateDir}/restore-journal.json says what is where`, rolledBack: false };
  }
  const resumeProblem = await resumeQuietly(app);
  return { ok: false, code: unhealthy.code, message: `${unhealthy.message}; the previous data was put back${resumeProblem ? `, but the app could not be resumed: ${resumeProblem}` : " and the app resumed"}`, rolledBack: true };
}

async function preflight(input: PerformRestoreInput): Promise<OpenedGrant> {
  const { command, config, identity } = input;
  const info = await stat(config.dataDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new StepError("E_DATA_DIR", `the data directory ${config.dataDir} does not exist — check dataDir in ${config.configPath}`);
  const disk = await statfs(config.dataDir);
  const free = disk.bavail * disk.bsize;
  const needed = command.size * EXPANSION_ESTIMATE;
  if (free < needed) {
    throw new StepError("E_DISK_SPACE", `${config.dataDir} has ${free} bytes free; restoring a ${command.size}-byte snapshot needs about ${needed} (${EXPANSION_ESTIMATE}× its size) — free some space or grow the volume`);
  }
  const grant = openGrant(command.grant, {
    publicKey: identity.controlPlaneKey, vmId: identity.vmId, snapshotId: command.snapshotId, purpose: "restore",
    now: input.now(), agentPrivateKey: identity.sealingKey,
  });
  const appStatus = await input.app.status();
  input.progress("preflight", `nacre-agent ${input.agentVersion}; ${free} bytes free (needs about ${needed}); app ${appStatus}; grant verified`);
  return grant;
}

/** Downloads, verifies and extracts into `staging`; resolves with the number of files staged. */
async function stage(input: PerformRestoreInput, grant: OpenedGrant, staging: string): Promise<number> {
  const { command, signal, progress } = input;
  await rm(staging, { recursive: true, force: true });
  // Nothing is fetched before the body is read. Hashed on a worker thread (hashStream); disposed below
  // whatever happens.
  const download = hashStream(
    downloadSnapshot(command.downloadUrl, command.size, {
      signal,
      onResume: (resumes, at, reason) => progress("download", `the download broke off at byte ${at} (${reason}); resuming (${resumes})`),
    }),
  );
  const timer = setInterval(() => progress("download", `${download.bytes} of ${command.size} bytes`), PROGRESS_INTERVAL_MS);
  try {
    progress("download", `downloading ${command.size} bytes`);
    const opened = await openSnapshotStream(download.body, {
      key: {
        // The header must name the very key the grant is for; a copy, since the decryptor may wipe what it is given.
        unwrap: async (keyId, wrapped) => {
          if (keyId !== grant.keyId || wrapped.length !== grant.wrappedKey.length || !timingSafeEqual(wrapped, grant.wrappedKey)) {
            throw new StepError("E_GRANT_MISMATCH", "the snapshot's header names another key than the restore grant — the object is not the snapshot the grant is for");
          }
          return Uint8Array.from(grant.dataKey);
        },
      },
    });
    if (!opened.encrypted) throw new StepError("E_NOT_A_SNAPSHOT", "the downloaded object is not an encrypted managed snapshot");
    // As root (the service), files go back to their recorded owners, so the app running as its own
    // user can write its data again; run as anyone else, a restore cannot chown and keeps its own.
    const owners = process.getuid?.() === 0 ? "archive" : "current";
    const extracted = await extractArchive(opened.tar, staging, { signal, outsideLinks: "reject", owners, recycle: opened.recycle });
    const digest = await download.digest();
    const received = download.bytes;
    if (received !== command.size || digest !== command.sha256) {
      throw new StepError("E_HASH_MISMATCH", `downloaded ${received} bytes with SHA-256 ${digest}, but the snapshot was recorded as ${command.size} bytes with ${command.sha256} — the stored object changed or is damaged`);
    }
    const top = await readdir(staging);
    if (top.some((name) => name !== ROOT_NAME)) throw new StepError("E_NOT_A_SNAPSHOT", `the snapshot holds ${top.join(", ")} at its top, not only ${ROOT_NAME}/ — it is not a managed /data snapshot`);
    await mkdir(join(staging, ROOT_NAME), { recursive: true });
    return extracted.files;
  } finally {
    clearInterval(timer);
    download.dispose();
  }
}

/** Resumes the app and waits for it to be healthy; undefined when it is, else why not. */
async function resumeAndCheck(input: PerformRestoreInput): Promise<{ code: string; message: string } | undefined> {
  const { app, config, progress, signal } = input;
  progress("resume", "resuming the app on the restored data");
  try {
    await input.beforeResume?.();
  } catch (error) {
    input.out.error("E_STATE_WRITE", `before resuming the app: ${(error as Error).message}`);
  }
  try {
    await app.resume();
  } catch (error) {
    return { code: "E_APP_COMMAND", message: (error as Error).message };
  }
  const argv = config.app.healthCommand ?? config.app.statusCommand;
  if (argv === undefined) {
    progress("health", "no app.healthCommand or app.statusCommand configured; the restore is taken as healthy");
    return undefined;
  }
  const deadline = Date.now() + config.restore.healthTimeoutSeconds * 1000;
  progress("health", `checking \`${argv.join(" ")}\` for up to ${config.restore.healthTimeoutSeconds} s`);
  let last = "";
  for (;;) {
    if (signal.aborted) return { code: "E_INTERRUPTED", message: "the agent was stopped during the health check" };
    try {
      const result = await runAppCommand(argv, HEALTH_ATTEMPT_TIMEOUT_MS);
      if (result.exitCode === 0 && !result.timedOut) return undefined;
      last = result.timedOut ? "timed out" : `exited with ${result.exitCode ?? result.signal}${result.output ? `: ${result.output}` : ""}`;
    } catch (error) {
      last = `could not be started: ${(error as Error).message}`;
    }
    if (Date.now() + HEALTH_RETRY_MS > deadline) {
      return { code: "E_HEALTH_CHECK", message: `the app did not become healthy within ${config.restore.healthTimeoutSeconds} s (\`${argv.join(" ")}\` ${last})` };
    }
    await sleep(HEALTH_RETRY_MS);
  }
}

/** Runs app.resume (or pause), returning a problem instead of throwing: a rollback must go on regardless. */
async function resumeQuietly(app: AppControl, what: "resume" | "pause" = "resume"): Promise<string | undefined> {
  try {
    if (what === "resume") await app.resume();
    else await app.pause();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** ENOSPC anywhere in the error's cause chain (the extractor wraps it in its own error). */
function isDiskFull(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === "ENOSPC" || (typeof e.message === "string" && e.message.includes("ENOSPC"))) return true;
  }
  return false;
}

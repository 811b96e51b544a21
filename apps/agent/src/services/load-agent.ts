import { createHash } from "node:crypto";
import { join } from "node:path";
import { createFsStore, type BackupStore } from "@nacre/storage";
import { loadConfig, type ResolvedConfig } from "../config/index.ts";
import type { AgentContext } from "../runtime/agent-context.ts";

export interface LoadedAgent {
  config: ResolvedConfig;
  configPath: string;
  store: BackupStore;
  /** Where run state and the lock live: outside every backed-up directory. */
  runStateDir: string;
}

/** Loads and validates the config, prints its warnings, and opens the configured store. */
export async function loadAgent(ctx: AgentContext, configPath: string | undefined): Promise<LoadedAgent> {
  const { config, warnings, configPath: path } = await loadConfig({ configPath, env: ctx.env, homeDir: ctx.homeDir, cwd: ctx.cwd });
  for (const w of warnings) ctx.out.warn(w.code, w.message);
  return { config, configPath: path, store: await openStore(config), runStateDir: runStateDirFor(ctx, path) };
}

/**
 * The configured BackupStore. The S3 client is loaded only when the config names S3: the AWS SDK
 * costs ~0.15 s and ~30 MiB of RSS at start-up, which every fs backup and restore paid for nothing.
 */
export async function openStore(config: ResolvedConfig): Promise<BackupStore> {
  const s = config.storage;
  if (s.provider === "fs") return createFsStore({ path: s.path });
  const { createS3Store } = await import("@nacre/storage/s3");
  return createS3Store({
    endpoint: s.endpoint,
    region: s.region,
    bucket: s.bucket,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    forcePathStyle: s.forcePathStyle,
  });
}

/**
 * `$NACRE_AGENT_STATE_DIR`, else `$XDG_STATE_HOME/nacre-agent/<config hash>` (default
 * `~/.local/state`): one state per config file, never inside the directories being backed up, so a
 * restore cannot roll it back.
 */
function runStateDirFor(ctx: AgentContext, configPath: string): string {
  if (ctx.env.NACRE_AGENT_STATE_DIR) return ctx.env.NACRE_AGENT_STATE_DIR;
  const base = ctx.env.XDG_STATE_HOME || join(ctx.homeDir, ".local", "state");
  return join(base, "nacre-agent", createHash("sha256").update(configPath).digest("hex").slice(0, 12));
}

import { createHash } from "node:crypto";
import { join } from "node:path";
import { createFsStore, createS3Store, type BackupStore } from "@nacre/storage";
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
  return { config, configPath: path, store: openStore(config), runStateDir: runStateDirFor(ctx, path) };
}

/** The configured BackupStore. */
export function openStore(config: ResolvedConfig): BackupStore {
  const s = config.storage;
  if (s.provider === "fs") return createFsStore({ path: s.path });
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

import path from "node:path";
import { parseSchedule, ScheduleError } from "@nacre/core";
import type { Schedule } from "@nacre/core";
import type { BackupConfig } from "./backup-config.ts";
import { invalidConfig } from "./config-error.ts";
import { expandPath } from "./expand-path.ts";
import { openclawHome } from "./locate-config.ts";
import type { LocatedConfig } from "./locate-config.ts";
import type { ResolvedConfig, ResolvedEncryption, ResolvedNotify } from "./resolved-config.ts";
import { resolveSources } from "./resolve-sources.ts";
import { resolveStorage } from "./resolve-storage.ts";
import type { Env } from "./substitute-env.ts";

/** Without any retention setting the newest 14 are kept, the same count Nacre's hosted backups keep. */
export const DEFAULT_MAX_BACKUPS = 14;

export interface ResolveConfigInput {
  backup: BackupConfig;
  /** The whole openclaw.json (for agents.defaults.workspace). */
  root: unknown;
  located: LocatedConfig;
  env: Env;
  homeDir: string;
  cwd: string;
}

/** Turns the validated `backup` section into a ResolvedConfig: absolute paths, credentials, parsed schedule. */
export async function resolveConfig({ backup, root, located, env, homeDir, cwd }: ResolveConfigInput): Promise<ResolvedConfig> {
  const home = openclawHome(env, homeDir, cwd);
  const configPath = located.path;
  const sources = await resolveSources({
    include: backup.include,
    root,
    configPath,
    configSource: located.source,
    env,
    home,
    cwd,
  });
  return {
    enabled: backup.enabled,
    ...sources,
    exclude: backup.exclude,
    schedule: resolveSchedule(backup, configPath),
    scheduleText: backup.schedule,
    timezone: backup.timezone,
    storage: resolveStorage({ storage: backup.storage, env, home, configPath }),
    encryption: resolveEncryption(backup.encryption, home, configPath),
    compression: backup.compression,
    retention: resolveRetention(backup.retention),
    notifyOnFailure: resolveNotify(backup.notifyOnFailure),
  };
}

function resolveSchedule(backup: BackupConfig, configPath: string): Schedule {
  try {
    return parseSchedule(backup.schedule, { timezone: backup.timezone });
  } catch (error) {
    // Both fields passed on their own; only their combination can fail here (a cron that is too dense
    // in that zone's wall-clock time).
    if (error instanceof ScheduleError) throw invalidConfig([`backup.schedule: ${error.message}`], configPath);
    throw error;
  }
}

function resolveEncryption(
  encryption: BackupConfig["encryption"],
  home: string,
  configPath: string,
): ResolvedEncryption {
  if (!encryption.enabled) return { enabled: false };
  const { algorithm, iterations } = encryption;
  // The schema guarantees exactly one of passphrase / keyFile when enabled.
  if (encryption.passphrase !== undefined) {
    return { enabled: true, algorithm, iterations, passphrase: encryption.passphrase, keyFile: null };
  }
  const keyFile = expandPath(encryption.keyFile ?? "", {
    homeDir: home,
    baseDir: path.dirname(configPath),
    where: "backup.encryption.keyFile",
  });
  return { enabled: true, algorithm, iterations, passphrase: null, keyFile };
}

function resolveRetention(retention: BackupConfig["retention"]): ResolvedConfig["retention"] {
  const { maxBackups, maxAgeDays } = retention;
  if (maxBackups === undefined && maxAgeDays === undefined) return { maxBackups: DEFAULT_MAX_BACKUPS };
  return {
    ...(maxBackups === undefined ? {} : { maxBackups }),
    ...(maxAgeDays === undefined ? {} : { maxAgeDays }),
  };
}

function resolveNotify(notify: BackupConfig["notifyOnFailure"]): ResolvedNotify {
  if (typeof notify === "boolean") return { enabled: notify };
  // The object form keeps the stderr line too: it is what ends up in journald when the webhook fails.
  return {
    enabled: true,
    ...(notify.webhook === undefined ? {} : { webhook: notify.webhook }),
    ...(notify.command === undefined ? {} : { command: notify.command }),
  };
}

import { BackupConfig } from "./backup-config.ts";
import { collectWarnings } from "./collect-warnings.ts";
import { ConfigError, invalidConfig } from "./config-error.ts";
import type { ConfigWarning } from "./config-error.ts";
import { formatIssues } from "./format-issues.ts";
import { describeType } from "./format-path.ts";
import { locateConfig } from "./locate-config.ts";
import { readConfigFile } from "./read-config-file.ts";
import { resolveConfig } from "./resolve-config.ts";
import type { ResolvedConfig } from "./resolved-config.ts";
import { substituteEnv } from "./substitute-env.ts";
import type { Env } from "./substitute-env.ts";

export interface LoadConfigInput {
  /** The CLI's --config FILE; relative to cwd. */
  configPath?: string;
  /** The environment to read (${VAR}, OPENCLAW_*, AWS_*); passed in so only main.ts touches process.env. */
  env: Env;
  homeDir: string;
  cwd: string;
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** For the caller to print; loadConfig never writes to the console itself. */
  warnings: ConfigWarning[];
  /** Absolute path of the openclaw.json that was read. */
  configPath: string;
}

const EXAMPLE = `  backup: {
    schedule: "0 3 * * *",
    storage: {
      provider: "s3",
      endpoint: "https://<account-id>.r2.cloudflarestorage.com",
      bucket: "openclaw-backups",
      accessKeyId: "\${AWS_ACCESS_KEY_ID}",
      secretAccessKey: "\${AWS_SECRET_ACCESS_KEY}",
    },
    encryption: { passphrase: "\${BACKUP_PASSPHRASE}" },
  },`;

/** Finds, reads, substitutes, validates and resolves the `backup` section of openclaw.json. */
export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig> {
  const located = locateConfig(input);
  const configPath = located.path;
  const root = await readConfigFile(located);
  if (!isObject(root)) {
    throw invalidConfig([`(top level): expected an object { … }, got ${describeType(root)}`], configPath);
  }

  // Only `backup` is validated: the rest of openclaw.json belongs to OpenClaw, which has its own schema
  // and adds fields faster than this agent is released.
  const raw = root.backup;
  if (raw === undefined || raw === null) {
    throw new ConfigError(
      "E_CONFIG_NO_BACKUP",
      `${configPath} has no "backup" section — add one next to OpenClaw's settings, for example:\n\n${EXAMPLE}\n\n` +
        "docs/configuration.md lists every field.",
      { paths: [configPath] },
    );
  }
  if (!isObject(raw)) throw invalidConfig([`backup: expected an object { … }, got ${describeType(raw)}`], configPath);

  const substituted = substituteEnv(raw, input.env, ["backup"]);
  const parsed = BackupConfig.safeParse(substituted);
  if (!parsed.success) {
    const problems = formatIssues({ issues: parsed.error.issues, schema: BackupConfig, input: substituted, basePath: ["backup"] });
    throw invalidConfig(problems, configPath);
  }

  const config = await resolveConfig({
    backup: parsed.data,
    root,
    located,
    env: input.env,
    homeDir: input.homeDir,
    cwd: input.cwd,
  });
  return { config, warnings: collectWarnings({ raw, backup: parsed.data }), configPath };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

import type { BackupConfig } from "./backup-config.ts";
import type { ConfigWarning } from "./config-error.ts";
import { valueAt } from "./format-path.ts";
import { hasEnvReference } from "./substitute-env.ts";

// Secrets the user should keep out of openclaw.json, with the variable each one conventionally comes
// from. openclaw.json lives in the state directory, so a literal secret also travels inside every backup.
const SECRET_FIELDS = [
  { path: ["storage", "accessKeyId"], variable: "AWS_ACCESS_KEY_ID" },
  { path: ["storage", "secretAccessKey"], variable: "AWS_SECRET_ACCESS_KEY" },
  { path: ["encryption", "passphrase"], variable: "BACKUP_PASSPHRASE" },
] as const;

export interface CollectWarningsInput {
  /** The `backup` section as written, before ${VAR} substitution. */
  raw: unknown;
  backup: BackupConfig;
}

/** Warnings about a config that works but is probably not what the user wants. */
export function collectWarnings({ raw, backup }: CollectWarningsInput): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const { path, variable } of SECRET_FIELDS) {
    const value = valueAt(raw, path);
    if (typeof value !== "string" || hasEnvReference(value)) continue;
    const where = `backup.${path.join(".")}`;
    warnings.push({
      code: "W_LITERAL_SECRET",
      path: where,
      message:
        `${where} is written in openclaw.json as a literal secret, readable by anyone who can read the file ` +
        `or an unencrypted copy of it — write "\${${variable}}" instead and set ${variable} in the agent's environment`,
    });
  }
  if (!backup.encryption.enabled) {
    const exposure =
      backup.storage.provider === "s3"
        ? "anyone with bucket access can read your assistant's data"
        : `anyone who can read ${backup.storage.path} can read your assistant's data`;
    warnings.push({
      code: "W_ENCRYPTION_DISABLED",
      path: "backup.encryption.enabled",
      message: `backups are stored unencrypted; ${exposure} — set encryption.passphrase or encryption.keyFile to encrypt them`,
    });
  }
  if (!backup.enabled) {
    warnings.push({
      code: "W_BACKUP_DISABLED",
      path: "backup.enabled",
      message: "backup.enabled is false: no scheduled backup will run — set it to true (or remove it) to resume",
    });
  }
  return warnings;
}

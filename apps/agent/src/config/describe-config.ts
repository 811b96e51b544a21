import type { Schedule } from "@nacre/core";
import type { ResolvedConfig, ResolvedEncryption, ResolvedNotify, ResolvedStorage } from "./resolved-config.ts";

// For `backup status`: what will be backed up, where to and how, without a single secret. Webhook URLs
// often carry a token in their path (Slack, Discord), so only their origin is shown; commands only by
// their program name.

export interface ConfigLine {
  label: string;
  value: string;
}

/** A secret-free, human-readable summary of a resolved config, one labelled line per aspect. */
export function describeConfig(config: ResolvedConfig, configPath: string): ConfigLine[] {
  return [
    { label: "config", value: configPath },
    { label: "backups", value: config.enabled ? "enabled" : "disabled (backup.enabled is false)" },
    { label: "schedule", value: describeSchedule(config.schedule) },
    { label: "state dir", value: config.stateDir ?? "not backed up" },
    { label: "workspace", value: config.workspace ?? "not backed up" },
    { label: "extra paths", value: config.extraPaths.length > 0 ? config.extraPaths.join(", ") : "none" },
    { label: "exclude", value: config.exclude.length > 0 ? config.exclude.join(" ") : "none" },
    { label: "storage", value: describeStorage(config.storage) },
    { label: "encryption", value: describeEncryption(config.encryption) },
    { label: "compression", value: config.compression },
    { label: "retention", value: describeRetention(config.retention) },
    { label: "on failure", value: describeNotify(config.notifyOnFailure) },
  ];
}

/** The lines of describeConfig, aligned in two columns for a terminal. */
export function formatConfigLines(lines: readonly ConfigLine[]): string {
  const width = Math.max(...lines.map((line) => line.label.length));
  return lines.map((line) => `${line.label.padEnd(width)}  ${line.value}`).join("\n");
}

function describeSchedule(schedule: Schedule): string {
  return schedule.kind === "interval"
    ? `every ${schedule.source}`
    : `${schedule.expression} (cron, ${schedule.timezone})`;
}

function describeStorage(storage: ResolvedStorage): string {
  if (storage.provider === "fs") return `directory ${storage.path}/${storage.prefix}`;
  const where = storage.endpoint === undefined ? "AWS S3" : new URL(storage.endpoint).host;
  return `s3://${storage.bucket}/${storage.prefix} on ${where} (region ${storage.region})`;
}

function describeEncryption(encryption: ResolvedEncryption): string {
  if (!encryption.enabled) return "OFF: backups are stored unencrypted";
  return encryption.keyFile === null
    ? `${encryption.algorithm}, passphrase (PBKDF2-SHA256, ${encryption.iterations} iterations)`
    : `${encryption.algorithm}, key file ${encryption.keyFile}`;
}

function describeRetention({ maxBackups, maxAgeDays }: ResolvedConfig["retention"]): string {
  const rules = [
    ...(maxAgeDays === undefined ? [] : [`remove after ${maxAgeDays} day(s)`]),
    ...(maxBackups === undefined ? [] : [`keep the newest ${maxBackups}`]),
  ];
  return rules.length > 0 ? rules.join(", then ") : "keep every backup";
}

function describeNotify(notify: ResolvedNotify): string {
  if (!notify.enabled) return "nothing (notifyOnFailure is false)";
  return [
    "JSON line on stderr",
    ...(notify.webhook === undefined ? [] : [`webhook ${new URL(notify.webhook).origin}/…`]),
    ...(notify.command === undefined ? [] : [`command ${notify.command.trim().split(/\s+/)[0] ?? ""}`]),
  ].join(", ");
}

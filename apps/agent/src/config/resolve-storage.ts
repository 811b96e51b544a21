import path from "node:path";
import type { BackupConfig } from "./backup-config.ts";
import { invalidConfig } from "./config-error.ts";
import { expandPath } from "./expand-path.ts";
import type { ResolvedStorage } from "./resolved-config.ts";
import type { Env } from "./substitute-env.ts";

export interface ResolveStorageInput {
  storage: BackupConfig["storage"];
  env: Env;
  home: string;
  configPath: string;
}

/** Applies storage defaults and the AWS_* credential fallback; E_CONFIG_INVALID when something is still missing. */
export function resolveStorage({ storage, env, home, configPath }: ResolveStorageInput): ResolvedStorage {
  if (storage.provider === "fs") {
    const where = "backup.storage.path";
    return {
      provider: "fs",
      path: expandPath(storage.path, { homeDir: home, baseDir: path.dirname(configPath), where }),
      prefix: storage.prefix,
    };
  }

  const problems: string[] = [];
  // Each credential falls back to the variable every S3 tool reads, so a machine already set up for the
  // aws CLI needs no ${…} lines at all.
  const accessKeyId = storage.accessKeyId ?? nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = storage.secretAccessKey ?? nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId === undefined) {
    problems.push('backup.storage.accessKeyId: missing — set AWS_ACCESS_KEY_ID, or write accessKeyId: "${AWS_ACCESS_KEY_ID}"');
  }
  if (secretAccessKey === undefined) {
    problems.push(
      'backup.storage.secretAccessKey: missing — set AWS_SECRET_ACCESS_KEY, or write secretAccessKey: "${AWS_SECRET_ACCESS_KEY}"',
    );
  }
  // "auto" is what R2 and most S3-compatible stores expect; AWS itself rejects requests signed for "auto",
  // so without an endpoint the region has to be named.
  const { endpoint } = storage;
  const region = storage.region ?? (endpoint === undefined ? undefined : "auto");
  if (region === undefined) {
    problems.push('backup.storage.region: required for AWS S3 (no endpoint set) — e.g. region: "eu-central-1"');
  }
  if (problems.length > 0 || accessKeyId === undefined || secretAccessKey === undefined || region === undefined) {
    throw invalidConfig(problems, configPath);
  }
  return {
    provider: "s3",
    ...(endpoint === undefined ? {} : { endpoint }),
    bucket: storage.bucket,
    region,
    accessKeyId,
    secretAccessKey,
    prefix: storage.prefix,
    // Self-hosted S3-compatible servers (MinIO, Garage, s3rver) usually serve only path-style URLs and R2
    // accepts both; AWS itself wants virtual-hosted style.
    forcePathStyle: storage.forcePathStyle ?? endpoint !== undefined,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

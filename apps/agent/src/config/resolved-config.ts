import type { Schedule } from "@nacre/core";

// What the rest of the agent sees: every default applied, every path absolute, credentials present,
// one shape per storage provider and encryption mode. Nothing downstream re-reads openclaw.json or env.

export type ResolvedStorage =
  | {
      provider: "s3";
      /** Absent → AWS S3 itself; otherwise an S3-compatible endpoint (R2, MinIO, …). */
      endpoint?: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      /** "" or ends with "/". */
      prefix: string;
      forcePathStyle: boolean;
    }
  | {
      provider: "fs";
      /** Absolute directory backups are written under (joined with prefix). */
      path: string;
      prefix: string;
    };

interface EncryptionOn {
  enabled: true;
  algorithm: "aes-256-gcm";
  /** PBKDF2 iterations for a passphrase (recorded in each file's header). */
  iterations: number;
}

/** Encryption off, or on with exactly one of passphrase / keyFile (the other is null). */
export type ResolvedEncryption =
  | { enabled: false }
  | (EncryptionOn & { passphrase: string; keyFile: null })
  | (EncryptionOn & { passphrase: null; keyFile: string });

export interface ResolvedNotify {
  /** false → no notification at all; true → a JSON line on stderr, plus the webhook and command if set. */
  enabled: boolean;
  webhook?: string;
  command?: string;
}

export interface ResolvedConfig {
  enabled: boolean;
  /** Absolute OpenClaw state directory archived under state/…, or null when include.stateDir is false. */
  stateDir: string | null;
  /**
   * Absolute workspace directory archived under workspace/…, or null when excluded or none was found.
   * It may lie inside stateDir (OpenClaw's default ~/.openclaw/workspace).
   */
  workspace: string | null;
  /** Absolute extra paths, archived under extra/<index>/… in this order. */
  extraPaths: string[];
  /** gitignore-style patterns matched against archive paths (state/…, workspace/…, extra/<n>/…). */
  exclude: string[];
  schedule: Schedule;
  /** The schedule as written in the file (for messages and `backup status`). */
  scheduleText: string;
  /** IANA zone cron schedules are read in. */
  timezone: string;
  storage: ResolvedStorage;
  encryption: ResolvedEncryption;
  compression: "zstd" | "gzip";
  /** Spread straight into core's planRetention; an absent field means that rule is off. */
  retention: { maxBackups?: number; maxAgeDays?: number };
  notifyOnFailure: ResolvedNotify;
}

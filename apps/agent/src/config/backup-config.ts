import { isTimeZone, parseSchedule, ScheduleError } from "@nacre/core";
import * as z from "zod";

// The `backup` section of openclaw.json as written by the user (after ${VAR} substitution). Every object is
// strict so a misspelt field is reported instead of silently ignored: a typo in `maxBackups` or
// `passphrase` would otherwise change what is kept or how it is protected without anyone noticing.
// Cross-field rules that need the environment (credentials from AWS_* variables) live in resolve-storage.ts.

const DEFAULT_PREFIX = "openclaw-backup/";

const NonEmpty = z.string().min(1, "must not be empty");

const PositiveInt = z
  .number()
  .int()
  .positive("must be at least 1")
  .max(1_000_000, "must be at most 1000000");

const HttpUrl = z.string().refine(isHttpUrl, "must be an http:// or https:// URL");

// The prefix is joined to object keys (s3) or directory names (fs) as-is, so it must end at a boundary.
const Prefix = z
  .string()
  .refine((p) => p === "" || p.endsWith("/"), 'must end with "/" (e.g. "openclaw-backup/") or be ""')
  .refine((p) => !p.startsWith("/"), 'must not start with "/"')
  .refine((p) => !p.split("/").includes(".."), 'must not contain ".."')
  .default(DEFAULT_PREFIX);

const PathOrSwitch = z
  .union([z.boolean(), NonEmpty], { error: "expected true (default location), false (skip) or a path" })
  .default(true);

const Include = z
  .strictObject({
    stateDir: PathOrSwitch,
    workspace: PathOrSwitch,
    extraPaths: z.array(NonEmpty).default([]),
  })
  .prefault({});

const S3Storage = z.strictObject({
  provider: z.literal("s3"),
  endpoint: HttpUrl.optional(),
  bucket: NonEmpty,
  region: NonEmpty.optional(),
  accessKeyId: NonEmpty.optional(),
  secretAccessKey: NonEmpty.optional(),
  prefix: Prefix,
  forcePathStyle: z.boolean().optional(),
});

const FsStorage = z.strictObject({
  provider: z.literal("fs"),
  path: NonEmpty,
  prefix: Prefix,
});

const Storage = z.discriminatedUnion("provider", [S3Storage, FsStorage]);

const Encryption = z
  .strictObject({
    enabled: z.boolean().default(true),
    algorithm: z.literal("aes-256-gcm").default("aes-256-gcm"),
    passphrase: NonEmpty.optional(),
    keyFile: NonEmpty.optional(),
    iterations: z
      .number()
      .int()
      .min(100_000, "must be at least 100000 (600000 is the default)")
      .max(10_000_000, "must be at most 10000000")
      .default(600_000),
  })
  .superRefine((encryption, ctx) => {
    if (!encryption.enabled) return;
    const hasPassphrase = encryption.passphrase !== undefined;
    if (hasPassphrase === (encryption.keyFile !== undefined)) {
      ctx.addIssue({
        code: "custom",
        message: hasPassphrase
          ? "set either passphrase or keyFile, not both"
          : 'set passphrase: "${BACKUP_PASSPHRASE}" or keyFile: "~/.openclaw/backup.key" ' +
            "(or enabled: false to store backups unencrypted)",
      });
    }
  })
  .prefault({});

const Retention = z
  .strictObject({
    maxBackups: PositiveInt.optional(),
    maxAgeDays: PositiveInt.optional(),
  })
  .prefault({});

const NotifyOnFailure = z
  .union(
    [
      z.boolean(),
      z.strictObject({
        webhook: HttpUrl.optional(),
        command: NonEmpty.optional(),
      }),
    ],
    { error: "expected true, false or { webhook?, command? }" },
  )
  .default(true);

/** The `backup` section of openclaw.json, validated, with defaults filled in. */
export const BackupConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: z.string().superRefine(checkSchedule).default("1d"),
  timezone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as "UTC" or "Europe/Paris"')
    .default("UTC"),
  include: Include,
  exclude: z.array(NonEmpty).default([]),
  storage: Storage,
  encryption: Encryption,
  compression: z.enum(["zstd", "gzip"]).default("zstd"),
  retention: Retention,
  notifyOnFailure: NotifyOnFailure,
});
export type BackupConfig = z.infer<typeof BackupConfig>;

// The schedule text alone is checked in UTC here so its problems are listed with all the others; the time
// zone is checked by its own field and the two are combined in resolve-config.ts.
function checkSchedule(text: string, ctx: z.RefinementCtx): void {
  try {
    parseSchedule(text);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
  }
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === "http:" || protocol === "https:";
}

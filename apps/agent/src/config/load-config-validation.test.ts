import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_ENV, MINIMAL_BACKUP, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

/** Loads MINIMAL_BACKUP with `changes` applied and returns the E_CONFIG_INVALID problem lines. */
async function problemsFor(changes: Record<string, unknown>, env = BASE_ENV): Promise<readonly string[]> {
  await sb.writeBackup({ ...MINIMAL_BACKUP, ...changes });
  const error = await sb.loadError({ env });
  expect(error.code).toBe("E_CONFIG_INVALID");
  expect(error.message).toContain(sb.defaultStateDir);
  return error.problems;
}

const S3 = { provider: "s3", endpoint: "https://acct.r2.cloudflarestorage.com", bucket: "b" };
const S3_ENV = { ...BASE_ENV, AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };

describe("unknown fields", () => {
  it.each([
    [{ schedul: "1d" }, 'backup.schedul: unknown field — did you mean "schedule"?'],
    [{ retention: { maxBackup: 3 } }, 'backup.retention.maxBackup: unknown field — did you mean "maxBackups"?'],
    [{ encryption: { passphrase: "${BACKUP_PASSPHRASE}", keyfile: "k" } }, 'backup.encryption.keyfile: unknown field — did you mean "keyFile"?'],
    [{ storage: { ...S3, secretKey: "x" } }, 'backup.storage.secretKey: unknown field — did you mean "secretAccessKey"?'],
    [{ notifyOnFailure: { webhok: "https://x.example" } }, 'backup.notifyOnFailure.webhok: unknown field — did you mean "webhook"?'],
  ])("names the path and suggests the closest field: %j", async (changes, problem) => {
    expect(await problemsFor(changes)).toContain(problem);
  });

  it("lists the fields of the chosen storage provider when nothing is close", async () => {
    expect(await problemsFor({ storage: { provider: "fs", path: "/x", bucket: "b" } })).toEqual([
      "backup.storage.bucket: unknown field — the fields allowed here are provider, path, prefix",
    ]);
  });
});

describe("wrong types and values", () => {
  it.each([
    [{ enabled: "yes" }, 'backup.enabled: expected a boolean, got "yes"'],
    [{ retention: { maxBackups: "14" } }, 'backup.retention.maxBackups: expected a number, got "14"'],
    [{ exclude: "*.log" }, 'backup.exclude: expected an array, got "*.log"'],
    [{ include: { extraPaths: ["/a", 7] } }, "backup.include.extraPaths[1]: expected a string, got 7"],
    [{ include: { stateDir: 3 } }, "backup.include.stateDir: expected true (default location), false (skip) or a path, got 3"],
    [{ compression: "lz4" }, 'backup.compression: expected "zstd" or "gzip", got "lz4"'],
    [{ storage: { provider: "gcs" } }, 'backup.storage.provider: expected "s3" or "fs", got "gcs"'],
    [{ storage: undefined }, "backup.storage: required (expected an object)"],
    [{ storage: { provider: "fs" } }, "backup.storage.path: required (expected a string)"],
    [{ storage: { provider: "s3" } }, "backup.storage.bucket: required (expected a string)"],
    [{ notifyOnFailure: "yes" }, 'backup.notifyOnFailure: expected true, false or { webhook?, command? }, got "yes"'],
    [{ notifyOnFailure: { webhook: "hooks.example.com" } }, 'backup.notifyOnFailure.webhook: must be an http:// or https:// URL, got "hooks.example.com"'],
    [{ storage: { ...S3, endpoint: "ftp://x" } }, 'backup.storage.endpoint: must be an http:// or https:// URL, got "ftp://x"'],
  ])("%j", async (changes, problem) => {
    expect(await problemsFor(changes, S3_ENV)).toContain(problem);
  });

  it("never echoes the value of a secret field", async () => {
    const problems = await problemsFor({ encryption: { passphrase: 123456789 } });
    expect(problems).toEqual(["backup.encryption.passphrase: expected a string, got a number"]);
  });

  it("reports every problem at once", async () => {
    const problems = await problemsFor({ enabled: 1, compression: "lz4", schedul: "1d", retention: { maxAgeDays: 0 } });
    expect(problems).toHaveLength(4);
  });
});

describe("storage rules", () => {
  it.each(["p", "/abs/", "a/../b/"])("rejects prefix %j", async (prefix) => {
    const problems = await problemsFor({ storage: { provider: "fs", path: "/x", prefix } });
    expect(problems[0]).toMatch(/^backup\.storage\.prefix: must/);
  });

  it("accepts an empty prefix and a nested one", async () => {
    for (const prefix of ["", "hosts/alpha/"]) {
      await sb.writeBackup({ ...MINIMAL_BACKUP, storage: { provider: "fs", path: "/x", prefix } });
      expect((await sb.load()).config.storage.prefix).toBe(prefix);
    }
  });

  it("takes s3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when omitted", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, storage: S3 });
    expect((await sb.load({ env: S3_ENV })).config.storage).toMatchObject({ accessKeyId: "id", secretAccessKey: "secret" });
  });

  it("names both ways to provide missing credentials", async () => {
    const problems = await problemsFor({ storage: S3 }, { ...BASE_ENV, AWS_ACCESS_KEY_ID: "" });
    expect(problems).toEqual([
      'backup.storage.accessKeyId: missing — set AWS_ACCESS_KEY_ID, or write accessKeyId: "${AWS_ACCESS_KEY_ID}"',
      'backup.storage.secretAccessKey: missing — set AWS_SECRET_ACCESS_KEY, or write secretAccessKey: "${AWS_SECRET_ACCESS_KEY}"',
    ]);
  });

  it("defaults the region to auto for an endpoint, and requires one for AWS itself", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, storage: S3 });
    expect((await sb.load({ env: S3_ENV })).config.storage).toMatchObject({ region: "auto", forcePathStyle: true });
    const problems = await problemsFor({ storage: { provider: "s3", bucket: "b" } }, S3_ENV);
    expect(problems).toEqual(['backup.storage.region: required for AWS S3 (no endpoint set) — e.g. region: "eu-central-1"']);
    await sb.writeBackup({ ...MINIMAL_BACKUP, storage: { provider: "s3", bucket: "b", region: "eu-central-1" } });
    const aws = (await sb.load({ env: S3_ENV })).config.storage;
    expect(aws).toMatchObject({ region: "eu-central-1", forcePathStyle: false });
    expect(aws).not.toHaveProperty("endpoint");
  });
});

describe("encryption rules", () => {
  it("requires exactly one of passphrase and keyFile", async () => {
    expect(await problemsFor({ encryption: {} })).toEqual([
      'backup.encryption: set passphrase: "${BACKUP_PASSPHRASE}" or keyFile: "~/.openclaw/backup.key" (or enabled: false to store backups unencrypted)',
    ]);
    expect(await problemsFor({ encryption: undefined })).toHaveLength(1);
    expect(await problemsFor({ encryption: { passphrase: "${BACKUP_PASSPHRASE}", keyFile: "k" } })).toEqual([
      "backup.encryption: set either passphrase or keyFile, not both",
    ]);
  });

  it("accepts neither when encryption is disabled", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, encryption: { enabled: false } });
    expect((await sb.load()).config.encryption).toEqual({ enabled: false });
  });

  it("allows only aes-256-gcm and 100000..10000000 iterations", async () => {
    const enc = (extra: object) => ({ encryption: { passphrase: "${BACKUP_PASSPHRASE}", ...extra } });
    expect(await problemsFor(enc({ algorithm: "aes-128-cbc" }))).toEqual([
      'backup.encryption.algorithm: expected "aes-256-gcm", got "aes-128-cbc"',
    ]);
    expect((await problemsFor(enc({ iterations: 99_999 })))[0]).toMatch(/iterations: must be at least 100000.*got 99999/);
    expect((await problemsFor(enc({ iterations: 10_000_001 })))[0]).toMatch(/iterations: must be at most 10000000/);
    expect((await problemsFor(enc({ iterations: 150_000.5 })))[0]).toBe(
      "backup.encryption.iterations: expected a whole number, got 150000.5",
    );
  });
});

describe("retention, schedule and time zone", () => {
  it.each([0, -1, 1.5])("rejects maxBackups and maxAgeDays of %j", async (bad) => {
    const problems = await problemsFor({ retention: { maxBackups: bad, maxAgeDays: bad } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^backup\.retention\.maxBackups: (must be at least 1|expected a whole number)/);
  });

  it("keeps only the rules that are set, and defaults to the newest 14 when none is", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, retention: { maxAgeDays: 30 } });
    expect((await sb.load()).config.retention).toEqual({ maxAgeDays: 30 });
    await sb.writeBackup({ ...MINIMAL_BACKUP, retention: {} });
    expect((await sb.load()).config.retention).toEqual({ maxBackups: 14 });
  });

  it("validates the schedule with core's parser, naming both accepted forms", async () => {
    const [problem] = await problemsFor({ schedule: "every day" });
    expect(problem).toMatch(/^backup\.schedule: "every day" is not a schedule — use a 5-field cron expression/);
    expect(problem).toContain('"6h"');
    expect((await problemsFor({ schedule: "1m" }))[0]).toMatch(/shorter than 5m/);
  });

  it("rejects an unknown time zone and reads cron in a known one", async () => {
    expect(await problemsFor({ timezone: "Mars/Base" })).toEqual([
      'backup.timezone: must be an IANA time zone such as "UTC" or "Europe/Paris", got "Mars/Base"',
    ]);
    await sb.writeBackup({ ...MINIMAL_BACKUP, schedule: "30 2 * * 0", timezone: "America/New_York" });
    expect((await sb.load()).config.schedule).toEqual({
      kind: "cron",
      source: "30 2 * * 0",
      expression: "30 2 * * 0",
      timezone: "America/New_York",
    });
  });
});

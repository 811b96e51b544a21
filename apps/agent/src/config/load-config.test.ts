import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_ENV, MINIMAL_BACKUP, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

describe("loadConfig: a minimal config", () => {
  it("fills in every default", async () => {
    const configPath = await sb.writeBackup(MINIMAL_BACKUP);
    const { config, warnings, configPath: loadedFrom } = await sb.load();
    expect(loadedFrom).toBe(configPath);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      enabled: true,
      stateDir: sb.defaultStateDir,
      workspace: null,
      extraPaths: [],
      exclude: [],
      scheduleText: "1d",
      schedule: { kind: "interval", everyMs: 86_400_000 },
      timezone: "UTC",
      storage: { provider: "fs", path: "/srv/backups", prefix: "openclaw-backup/" },
      encryption: {
        enabled: true,
        algorithm: "aes-256-gcm",
        passphrase: "correct horse battery staple",
        keyFile: null,
        iterations: 600_000,
      },
      compression: "zstd",
      retention: { maxBackups: 14 },
      notifyOnFailure: { enabled: true },
    });
  });
});

describe("loadConfig: a full R2 config in JSON5", () => {
  it("accepts comments, unquoted keys, single quotes and trailing commas", async () => {
    await sb.write(
      ".openclaw/openclaw.json",
      `// OpenClaw's own settings are not validated by the backup agent
      {
        gateway: { port: 18789, auth: { token: "\${OPENCLAW_GATEWAY_TOKEN}" } },
        agents: { defaults: { workspace: "~/clawd", model: 'anthropic/claude' } },
        backup: {
          enabled: true,
          schedule: "0 3 * * *",           /* 03:00 */
          timezone: "Europe/Paris",
          include: { stateDir: true, workspace: true, extraPaths: ["~/notes",], },
          exclude: ["*.log", "workspace/tmp/",],
          storage: {
            provider: "s3",
            endpoint: "https://0123abcd.r2.cloudflarestorage.com",
            bucket: "claw-backups",
            accessKeyId: "\${AWS_ACCESS_KEY_ID}",
            secretAccessKey: "\${AWS_SECRET_ACCESS_KEY}",
          },
          encryption: { passphrase: "\${BACKUP_PASSPHRASE}", iterations: 800000 },
          compression: "gzip",
          retention: { maxBackups: 30, maxAgeDays: 90 },
          notifyOnFailure: { webhook: "https://hooks.example.com/T000/B000/XXX", command: "logger -t nacre" },
        },
      }`,
    );
    const env = { ...BASE_ENV, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "s3cr3t" };
    const { config, warnings } = await sb.load({ env });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      stateDir: sb.defaultStateDir,
      workspace: path.join(sb.home, "clawd"),
      extraPaths: [path.join(sb.home, "notes")],
      exclude: ["*.log", "workspace/tmp/"],
      schedule: { kind: "cron", expression: "0 3 * * *", timezone: "Europe/Paris" },
      scheduleText: "0 3 * * *",
      storage: {
        provider: "s3",
        endpoint: "https://0123abcd.r2.cloudflarestorage.com",
        bucket: "claw-backups",
        region: "auto",
        accessKeyId: "AKIAEXAMPLE",
        secretAccessKey: "s3cr3t",
        prefix: "openclaw-backup/",
        forcePathStyle: true,
      },
      encryption: { enabled: true, iterations: 800_000 },
      compression: "gzip",
      retention: { maxBackups: 30, maxAgeDays: 90 },
      notifyOnFailure: { enabled: true, webhook: "https://hooks.example.com/T000/B000/XXX", command: "logger -t nacre" },
    });
  });
});

describe("loadConfig: where the file is looked for", () => {
  it("reads $OPENCLAW_STATE_DIR/openclaw.json, relative to cwd, and uses it as the state dir", async () => {
    const stateDir = path.join(sb.cwd, "state");
    await sb.write(path.join(stateDir, "openclaw.json"), { backup: MINIMAL_BACKUP });
    const { config, configPath } = await sb.load({ env: { ...BASE_ENV, OPENCLAW_STATE_DIR: "state" } });
    expect(configPath).toBe(path.join(stateDir, "openclaw.json"));
    expect(config.stateDir).toBe(stateDir);
  });

  it("prefers --config (relative to cwd) over the environment", async () => {
    const file = await sb.write(path.join(sb.cwd, "oc", "openclaw.json"), { backup: MINIMAL_BACKUP });
    const { configPath, config } = await sb.load({
      configPath: "oc/openclaw.json",
      env: { ...BASE_ENV, OPENCLAW_STATE_DIR: "/nonexistent" },
    });
    expect(configPath).toBe(file);
    // $OPENCLAW_STATE_DIR still names the state dir; only the file location was overridden.
    expect(config.stateDir).toBe("/nonexistent");
  });

  it("takes the state dir from an --config file named openclaw.json when nothing else names it", async () => {
    const file = await sb.write("srv/oc/openclaw.json", { backup: MINIMAL_BACKUP });
    expect((await sb.load({ configPath: file })).config.stateDir).toBe(path.dirname(file));
    const other = await sb.write("srv/oc/backup-test.json5", { backup: MINIMAL_BACKUP });
    expect((await sb.load({ configPath: other })).config.stateDir).toBe(sb.defaultStateDir);
  });

  it("honours $OPENCLAW_CONFIG_PATH and $OPENCLAW_HOME like OpenClaw does", async () => {
    const file = await sb.write("etc/openclaw.json", { backup: MINIMAL_BACKUP });
    const viaConfigPath = await sb.load({ env: { ...BASE_ENV, OPENCLAW_CONFIG_PATH: file } });
    expect(viaConfigPath.configPath).toBe(file);
    expect(viaConfigPath.config.stateDir).toBe(sb.defaultStateDir);

    const serviceHome = await sb.mkdir("svc");
    await sb.write("svc/.openclaw/openclaw.json", { backup: MINIMAL_BACKUP });
    const viaHome = await sb.load({ env: { ...BASE_ENV, OPENCLAW_HOME: serviceHome } });
    expect(viaHome.configPath).toBe(path.join(serviceHome, ".openclaw", "openclaw.json"));
    expect(viaHome.config.stateDir).toBe(path.join(serviceHome, ".openclaw"));
  });
});

describe("loadConfig: errors before validation", () => {
  it("E_CONFIG_MISSING names the path it tried and how it was chosen", async () => {
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_MISSING");
    expect(error.paths).toEqual([path.join(sb.defaultStateDir, "openclaw.json")]);
    expect(error.message).toContain(path.join(sb.defaultStateDir, "openclaw.json"));
    expect(error.message).toMatch(/default location.*--config FILE/s);

    const fromEnv = await sb.loadError({ env: { OPENCLAW_STATE_DIR: "/nowhere/state" } });
    expect(fromEnv.message).toContain("/nowhere/state/openclaw.json (from $OPENCLAW_STATE_DIR)");
    const fromFlag = await sb.loadError({ configPath: "missing.json" });
    expect(fromFlag.message).toContain(`${path.join(sb.cwd, "missing.json")} (given with --config)`);
  });

  it("E_CONFIG_READ when the path is not a readable file", async () => {
    await sb.mkdir("dir.json");
    const error = await sb.loadError({ configPath: path.join(sb.home, "dir.json") });
    expect(error.code).toBe("E_CONFIG_READ");
    expect(error.message).toMatch(/EISDIR/);
  });

  it("E_CONFIG_SYNTAX points at file:line:column", async () => {
    const file = await sb.write(".openclaw/openclaw.json", '{\n  backup: {\n    enabled: tru,\n  },\n}\n');
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_SYNTAX");
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: invalid character`));
    expect(error.message).toMatch(/fix the JSON5 syntax/);
  });

  it("E_CONFIG_NO_BACKUP shows a snippet to paste, and ignores OpenClaw's own keys", async () => {
    await sb.write(".openclaw/openclaw.json", { gateway: { anything: ["goes", 1] }, agents: {} });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_NO_BACKUP");
    expect(error.message).toContain("backup: {");
    expect(error.message).toContain('provider: "s3"');
    expect(error.message).toContain('passphrase: "${BACKUP_PASSPHRASE}"');
  });

  it("E_CONFIG_INVALID when the file or the backup section is not an object", async () => {
    await sb.write(".openclaw/openclaw.json", "[1, 2]");
    expect((await sb.loadError()).message).toMatch(/\(top level\): expected an object/);
    await sb.write(".openclaw/openclaw.json", { backup: true });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_INVALID");
    expect(error.problems).toEqual(["backup: expected an object { … }, got a boolean"]);
  });
});

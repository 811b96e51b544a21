import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { BASE_ENV, MINIMAL_BACKUP, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";
import { hasEnvReference, substituteEnv } from "./substitute-env.ts";

describe("substituteEnv", () => {
  const env = { BASE: "/data", NAME: "claw", EMPTY: "" };

  it("replaces ${VAR} in strings nested in objects and arrays, leaving other values alone", () => {
    const input = { a: "${BASE}/x", list: ["${NAME}", ["deep-${NAME}-${NAME}"], 3, true, null], n: { m: "${BASE}" } };
    expect(substituteEnv(input, env, ["backup"])).toEqual({
      a: "/data/x",
      list: ["claw", ["deep-claw-claw"], 3, true, null],
      n: { m: "/data" },
    });
  });

  it("turns $${VAR} into a literal ${VAR} without looking the variable up", () => {
    expect(substituteEnv("cost: $${PRICE} in ${BASE}", env, ["x"])).toBe("cost: ${PRICE} in /data");
    expect(substituteEnv("$${lower-case ok}", env, ["x"])).toBe("${lower-case ok}");
  });

  it("leaves text that is not a reference untouched", () => {
    expect(substituteEnv("$HOME ${ unterminated", env, ["x"])).toBe("$HOME ${ unterminated");
  });

  it.each([
    ["${MISSING}", /^backup\.list\[1\] refers to \$\{MISSING\}, but MISSING is not set — set MISSING/],
    ["${EMPTY}", /EMPTY is empty/],
    ["${lower}", /"\$\{lower\}" is not a valid variable reference/],
  ])("rejects %j with E_CONFIG_VAR naming the JSON path", (text, message) => {
    let error: unknown;
    try {
      substituteEnv({ list: ["ok", text] }, env, ["backup"]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("E_CONFIG_VAR");
    expect((error as ConfigError).message).toMatch(message);
  });

  it("recognises references but not escapes", () => {
    expect(hasEnvReference("${AWS_SECRET_ACCESS_KEY}")).toBe(true);
    expect(hasEnvReference("prefix-${X}")).toBe(true);
    expect(hasEnvReference("$${X}")).toBe(false);
    expect(hasEnvReference("plain")).toBe(false);
  });
});

describe("loadConfig: substitution", () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it("substitutes every string in backup, including arrays, and honours the escape", async () => {
    await sb.writeBackup({
      ...MINIMAL_BACKUP,
      storage: { provider: "fs", path: "${BACKUP_ROOT}/claw", prefix: "${HOST}/" },
      exclude: ["${HOST}/*.tmp", "literal-$${HOST}"],
      include: { extraPaths: ["${BACKUP_ROOT}/extra"] },
    });
    const { config } = await sb.load({ env: { ...BASE_ENV, BACKUP_ROOT: "/mnt/nas", HOST: "alpha" } });
    expect(config.storage).toEqual({ provider: "fs", path: "/mnt/nas/claw", prefix: "alpha/" });
    expect(config.exclude).toEqual(["alpha/*.tmp", "literal-${HOST}"]);
    expect(config.extraPaths).toEqual(["/mnt/nas/extra"]);
  });

  it("names the JSON path and the variable, never a value, when one is missing", async () => {
    await sb.writeBackup({
      ...MINIMAL_BACKUP,
      storage: { provider: "s3", bucket: "b", region: "auto", accessKeyId: "AKIA", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}" },
    });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_VAR");
    expect(error.message).toContain("backup.storage.secretAccessKey");
    expect(error.message).toContain("AWS_SECRET_ACCESS_KEY is not set");
    expect(error.message).not.toContain("AKIA");
  });

  it("does not substitute or validate OpenClaw's own sections", async () => {
    await sb.writeBackup(MINIMAL_BACKUP, { gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}" } }, models: "${lower}" });
    await expect(sb.load()).resolves.toBeDefined();
  });
});

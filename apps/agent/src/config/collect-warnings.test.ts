import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_ENV, MINIMAL_BACKUP, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

const R2 = { provider: "s3", endpoint: "https://acct.r2.cloudflarestorage.com", bucket: "b" };

describe("warnings", () => {
  it("W_LITERAL_SECRET for each secret written literally, naming the path and the variable to use", async () => {
    await sb.writeBackup({
      storage: { ...R2, accessKeyId: "AKIAEXAMPLE", secretAccessKey: "abc$${NOT_A_REF}" },
      encryption: { passphrase: "hunter2" },
    });
    const { warnings } = await sb.load();
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ["W_LITERAL_SECRET", "backup.storage.accessKeyId"],
      ["W_LITERAL_SECRET", "backup.storage.secretAccessKey"],
      ["W_LITERAL_SECRET", "backup.encryption.passphrase"],
    ]);
    expect(warnings[1]!.message).toContain('write "${AWS_SECRET_ACCESS_KEY}" instead and set AWS_SECRET_ACCESS_KEY');
    expect(warnings[2]!.message).toContain("BACKUP_PASSPHRASE");
    expect(warnings.map((w) => w.message).join("\n")).not.toMatch(/hunter2|AKIAEXAMPLE/);
  });

  it("no W_LITERAL_SECRET for ${VAR} references or secrets taken from the environment", async () => {
    await sb.writeBackup({ storage: { ...R2, accessKeyId: "${KEY_ID}" }, encryption: { passphrase: "pre-${BACKUP_PASSPHRASE}" } });
    const env = { ...BASE_ENV, KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "from-env" };
    expect((await sb.load({ env })).warnings).toEqual([]);
  });

  it("W_ENCRYPTION_DISABLED says who can read the data", async () => {
    await sb.writeBackup({ storage: R2, encryption: { enabled: false } });
    const env = { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };
    const { warnings } = await sb.load({ env });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "W_ENCRYPTION_DISABLED", path: "backup.encryption.enabled" });
    expect(warnings[0]!.message).toMatch(
      /^backups are stored unencrypted; anyone with bucket access can read your assistant's data/,
    );
  });

  it("W_BACKUP_DISABLED when enabled is false, while the rest still validates", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, enabled: false });
    const { warnings, config } = await sb.load();
    expect(warnings.map((w) => w.code)).toEqual(["W_BACKUP_DISABLED"]);
    expect(config.enabled).toBe(false);
  });
});

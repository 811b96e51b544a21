import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_ENV, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";
import { describeConfig, formatConfigLines } from "./describe-config.ts";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

describe("describeConfig", () => {
  it("summarises the config for `backup status` without any secret", async () => {
    await sb.writeBackup({
      schedule: "0 3 * * *",
      storage: {
        provider: "s3",
        endpoint: "https://acct.r2.cloudflarestorage.com",
        bucket: "claw",
        accessKeyId: "${AWS_ACCESS_KEY_ID}",
        secretAccessKey: "${AWS_SECRET_ACCESS_KEY}",
      },
      encryption: { passphrase: "${BACKUP_PASSPHRASE}" },
      retention: { maxBackups: 7, maxAgeDays: 30 },
      notifyOnFailure: { webhook: "https://hooks.slack.com/services/T0/B0/tokentoken", command: "curl -d @- https://x?key=k3y" },
    });
    const env = { ...BASE_ENV, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "s3cr3tkey" };
    const { config, configPath } = await sb.load({ env });
    const text = formatConfigLines(describeConfig(config, configPath));

    expect(text).toContain("s3://claw/openclaw-backup/ on acct.r2.cloudflarestorage.com (region auto)");
    expect(text).toContain("0 3 * * * (cron, UTC)");
    expect(text).toContain("aes-256-gcm, passphrase (PBKDF2-SHA256, 600000 iterations)");
    expect(text).toContain("remove after 30 day(s), then keep the newest 7");
    expect(text).toContain("JSON line on stderr, webhook https://hooks.slack.com/…, command curl");
    for (const secret of ["AKIAEXAMPLE", "s3cr3tkey", "correct horse", "tokentoken", "k3y"]) expect(text).not.toContain(secret);
  });
});

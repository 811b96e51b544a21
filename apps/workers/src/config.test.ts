import { describe, expect, it } from "vitest";
import { readWorkersConfig } from "./config.ts";

const env = {
  DATABASE_URL: "postgres://nacre@127.0.0.1:5432/nacre",
  S3_ACCESS_KEY_ID: "key",
  S3_SECRET_ACCESS_KEY: "secret",
  NACRE_BUCKET_SG: "nacre-sg",
  NACRE_BUCKET_US: "nacre-us",
  NACRE_BUCKET_EU: "nacre-eu",
  NACRE_GRANT_SIGNING_KEY_FILE: "/etc/nacre/grant.pem",
  RESEND_API_KEY: "re_test",
  NACRE_EMAIL_FROM: "Nacre Backups <backups@nacre.test>",
};

describe("the workers' configuration", () => {
  it("defaults to production timing: hourly retries, a 15-minute spread, 50 nightly jobs at once", () => {
    expect(readWorkersConfig(env)).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379",
      NACRE_JOBS_PREFIX: "nacre:jobs",
      NACRE_NIGHTLY_RETRY_DELAY_MS: 3_600_000,
      NACRE_NIGHTLY_SPREAD_MS: 900_000,
      NACRE_NIGHTLY_CONCURRENCY: 50,
    });
    expect(readWorkersConfig(env).RESEND_BASE_URL).toBeUndefined();
  });

  it("takes compressed timing and the recorder's address from the environment", () => {
    const config = readWorkersConfig({ ...env, NACRE_NIGHTLY_RETRY_DELAY_MS: "300", NACRE_NIGHTLY_SPREAD_MS: "0", RESEND_BASE_URL: "http://127.0.0.1:4010" });
    expect(config).toMatchObject({ NACRE_NIGHTLY_RETRY_DELAY_MS: 300, NACRE_NIGHTLY_SPREAD_MS: 0, RESEND_BASE_URL: "http://127.0.0.1:4010" });
  });

  it("names every missing or wrong variable in one E_CONFIG error", () => {
    const { RESEND_API_KEY: _key, ...missing } = env;
    expect(() => readWorkersConfig({ ...missing, NACRE_NIGHTLY_RETRY_DELAY_MS: "soon" })).toThrow(
      /E_CONFIG[\s\S]*RESEND_API_KEY[\s\S]*NACRE_NIGHTLY_RETRY_DELAY_MS|E_CONFIG[\s\S]*NACRE_NIGHTLY_RETRY_DELAY_MS[\s\S]*RESEND_API_KEY/,
    );
  });
});

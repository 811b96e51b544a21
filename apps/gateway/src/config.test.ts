import { describe, expect, it } from "vitest";
import { readGatewayConfig } from "./config.ts";

const complete = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/nacre",
  S3_ACCESS_KEY_ID: "id",
  S3_SECRET_ACCESS_KEY: "secret",
  NACRE_BUCKET_SG: "nacre-sg",
  NACRE_BUCKET_US: "nacre-us",
  NACRE_BUCKET_EU: "nacre-eu",
  NACRE_GRANT_SIGNING_KEY_FILE: "/etc/nacre/grant.pem",
};

describe("the gateway's environment", () => {
  it("names every missing or wrong variable in one E_CONFIG error", () => {
    expect(() => readGatewayConfig({ NACRE_GATEWAY_PORT: "99999" })).toThrow(
      /E_CONFIG: the gateway's environment[\s\S]*DATABASE_URL[\s\S]*NACRE_GATEWAY_PORT/,
    );
  });

  it("refuses a ping interval the registry's 90 s TTL could not outlive", () => {
    expect(() => readGatewayConfig({ ...complete, NACRE_PING_INTERVAL_MS: "120000" })).toThrow(/NACRE_PING_INTERVAL_MS/);
  });

  it("fills the local defaults", () => {
    expect(readGatewayConfig(complete)).toMatchObject({ NACRE_GATEWAY_PORT: 8787, REDIS_URL: "redis://127.0.0.1:6379", NACRE_PING_INTERVAL_MS: 30_000 });
  });
});

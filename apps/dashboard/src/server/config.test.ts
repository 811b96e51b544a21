import { describe, expect, it } from "vitest";
import { readDashboardConfig } from "./config.ts";

const base = {
  DATABASE_URL: "postgres://u@127.0.0.1:5432/db", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s",
  NACRE_BUCKET_SG: "nacre-sg", NACRE_BUCKET_US: "nacre-us", NACRE_BUCKET_EU: "nacre-eu", NACRE_GRANT_SIGNING_KEY_FILE: "/k.pem",
  NACRE_DASHBOARD_ORIGIN: "https://dash.example/",
};

describe("the dashboard's environment", () => {
  it("defaults to Supabase sessions and needs the project's URL and key for them", () => {
    expect(() => readDashboardConfig(base)).toThrow(/SUPABASE_URL: required[\s\S]*SUPABASE_ANON_KEY: required/);
    const config = readDashboardConfig({ ...base, SUPABASE_URL: "https://p.supabase.co", SUPABASE_ANON_KEY: "anon" });
    expect(config).toMatchObject({ NACRE_AUTH_MODE: "supabase", NACRE_DASHBOARD_ORIGIN: "https://dash.example" });
  });

  it("refuses the local sign-in in a production build (this test runs unbuilt, which counts as production)", () => {
    expect(() => readDashboardConfig({ ...base, NACRE_AUTH_MODE: "local", NACRE_SESSION_SECRET: "x".repeat(32) }))
      .toThrow(/E_CONFIG[\s\S]*NACRE_AUTH_MODE: local sign-in is disabled in production builds/);
  });
});

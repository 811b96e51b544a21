import { describe, expect, it } from "vitest";
import { readDashboardConfig } from "./config.ts";

const base = {
  DATABASE_URL: "postgres://u@127.0.0.1:5432/db", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s",
  NACRE_BUCKET_SG: "nacre-sg", NACRE_BUCKET_US: "nacre-us", NACRE_BUCKET_EU: "nacre-eu", NACRE_GRANT_SIGNING_KEY_FILE: "/k.pem",
  NACRE_DASHBOARD_ORIGIN: "https://dash.example/",
};

describe("the dashboard's environment", () => {
  it("defaults to Supabase sessions and needs the project's URL and key for them", () => {
    expect(() => readDashboardConfig(base, "production")).toThrow(/SUPABASE_URL: required[\s\S]*SUPABASE_ANON_KEY: required/);
    const config = readDashboardConfig({ ...base, SUPABASE_URL: "https://p.supabase.co", SUPABASE_ANON_KEY: "anon" }, "production");
    expect(config).toMatchObject({ NACRE_AUTH_MODE: "supabase", NACRE_DASHBOARD_ORIGIN: "https://dash.example" });
  });

  it("refuses the local sign-in in a production build, and takes it in a local one with a session secret", () => {
    const local = { ...base, NACRE_AUTH_MODE: "local", NACRE_SESSION_SECRET: "x".repeat(32) };
    expect(() => readDashboardConfig(local, "production")).toThrow(/E_CONFIG[\s\S]*NACRE_AUTH_MODE: local sign-in is disabled in production builds/);
    expect(readDashboardConfig(local, "local")).toMatchObject({ NACRE_AUTH_MODE: "local" });
    expect(() => readDashboardConfig({ ...base, NACRE_AUTH_MODE: "local" }, "local")).toThrow(/NACRE_SESSION_SECRET: required when NACRE_AUTH_MODE=local/);
  });
});

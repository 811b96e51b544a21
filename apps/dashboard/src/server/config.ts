// The dashboard's validated environment: the control plane's shared variables (Postgres, Redis, the
// region buckets, the grant key) plus how sessions are issued and where the dashboard is served.
// This is the only module of the dashboard that reads process.env (STYLE.md, "composition root").
import "server-only";
import { ControlPlaneEnv, readEnvConfig } from "@nacre/fleet";
import * as z from "zod";

/** Fixed at build time by next.config.ts; a "production" build never offers the local sign-in. */
export const BUILD_PROFILE: "production" | "local" = process.env["NACRE_BUILD_PROFILE"] === "local" ? "local" : "production";

const DashboardFields = ControlPlaneEnv.extend({
  /** The dashboard's public origin (scheme://host[:port]); mutating routes refuse any other Origin. */
  NACRE_DASHBOARD_ORIGIN: z.string().url().transform((url) => new URL(url).origin),
  /**
   * "supabase": sessions come from Supabase Auth (production). "local": the dashboard signs the same
   * kind of JWT itself for the seeded users (the local stack); refused by a production build.
   */
  NACRE_AUTH_MODE: z.enum(["supabase", "local"]).default("supabase"),
  /** HS256 secret of locally issued sessions (at least 32 characters). */
  NACRE_SESSION_SECRET: z.string().min(32).optional(),
  SUPABASE_URL: z.string().url().optional(),
  SUPABASE_ANON_KEY: z.string().min(1).optional(),
  /** Prefix of the dashboard's own Redis keys (rate-limit counters, unwrap tickets). */
  NACRE_DASHBOARD_REDIS_PREFIX: z.string().min(1).default("nacre:dashboard"),
  /** The BullMQ key prefix the workers consume (export.now jobs go there). */
  NACRE_JOBS_PREFIX: z.string().min(1).default("nacre:jobs"),
  /** The nightly fan-out's spread window, as the workers have it: the overview's "next backup". */
  NACRE_NIGHTLY_SPREAD_MS: z.coerce.number().int().min(0).default(15 * 60 * 1000),
});

/** The dashboard's environment schema for a build of `profile` (the local sign-in needs a local build). */
export function dashboardEnv(profile: typeof BUILD_PROFILE) {
  return DashboardFields.superRefine((env, ctx) => {
    if (env.NACRE_AUTH_MODE === "local") {
      if (profile === "production") {
        ctx.addIssue({ code: "custom", path: ["NACRE_AUTH_MODE"], message: "local sign-in is disabled in production builds; use supabase (or build with NACRE_BUILD_PROFILE=local for the local stack)" });
      }
      if (!env.NACRE_SESSION_SECRET) ctx.addIssue({ code: "custom", path: ["NACRE_SESSION_SECRET"], message: "required when NACRE_AUTH_MODE=local" });
    } else {
      if (!env.SUPABASE_URL) ctx.addIssue({ code: "custom", path: ["SUPABASE_URL"], message: "required when NACRE_AUTH_MODE=supabase" });
      if (!env.SUPABASE_ANON_KEY) ctx.addIssue({ code: "custom", path: ["SUPABASE_ANON_KEY"], message: "required when NACRE_AUTH_MODE=supabase" });
    }
  });
}
export type DashboardEnv = z.infer<typeof DashboardFields>;

/** Parses the process environment for this build; throws one E_CONFIG error naming every wrong variable. */
export function readDashboardConfig(env: Record<string, string | undefined> = process.env, profile = BUILD_PROFILE): DashboardEnv {
  return readEnvConfig(dashboardEnv(profile), env, "dashboard");
}

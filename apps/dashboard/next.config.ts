// The dashboard's build. Workspace packages ship TypeScript source, so Next compiles them; the
// database, Redis and queue clients stay plain Node modules on the server.
//
// NACRE_BUILD_PROFILE is fixed into the bundle at build time: a "production" build has no local
// sign-in at all, whatever its runtime environment says (docs/dashboard.md, "Sign-in").
import type { NextConfig } from "next";

const profile = process.env["NACRE_BUILD_PROFILE"] ?? "production";
if (profile !== "production" && profile !== "local") {
  throw new Error(`E_CONFIG: NACRE_BUILD_PROFILE must be "production" or "local", not "${profile}"`);
}

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@nacre/core", "@nacre/db", "@nacre/fleet", "@nacre/jobs", "@nacre/protocol", "@nacre/snapshot", "@nacre/storage"],
  serverExternalPackages: ["postgres", "ioredis", "bullmq", "@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner"],
  env: { NACRE_BUILD_PROFILE: profile },
  // `pnpm typecheck` (tsc over the whole workspace) is the type gate; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
};

export default config;

// The environment every control-plane process shares (the gateway and the workers): where Postgres,
// Redis and the region buckets are, and the grant-signing key. Each app's config extends this schema,
// and its composition root turns the parsed values into a ControlPlane with buildControlPlane.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Sql } from "@nacre/db";
import { createBucketSigner } from "@nacre/storage";
import * as z from "zod";
import type { ControlPlane } from "./control-plane.ts";

export const ControlPlaneEnv = z.object({
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default("auto"),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  NACRE_BUCKET_SG: z.string().min(3),
  NACRE_BUCKET_US: z.string().min(3),
  NACRE_BUCKET_EU: z.string().min(3),
  /** PKCS#8 PEM file of the control plane's Ed25519 grant-signing key (agents pin its public half). */
  NACRE_GRANT_SIGNING_KEY_FILE: z.string().min(1),
});
export type ControlPlaneEnv = z.infer<typeof ControlPlaneEnv>;

/** Parses `env` with an app's schema; throws one E_CONFIG error listing every problem by variable. */
export function readEnvConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>, app: string): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new Error(`E_CONFIG: the ${app}'s environment is incomplete or wrong:\n${lines.join("\n")}`);
}

/** The ControlPlane adapters from parsed environment: bucket signer, buckets by region, grant key. */
export function buildControlPlane(env: ControlPlaneEnv, sql: Sql): ControlPlane {
  return {
    sql,
    signer: createBucketSigner({
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    }),
    buckets: { SG: env.NACRE_BUCKET_SG, US: env.NACRE_BUCKET_US, EU: env.NACRE_BUCKET_EU },
    grantSigningKey: createPrivateKey(readFileSync(env.NACRE_GRANT_SIGNING_KEY_FILE, "utf8")),
    now: () => new Date(),
  };
}

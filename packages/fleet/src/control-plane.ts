// What the control-plane side of the agent link needs, passed in by each app's composition root.
import type { KeyObject } from "node:crypto";
import type { Region, Sql } from "@nacre/db";
import type { createBucketSigner } from "@nacre/storage";

export type BucketSigner = ReturnType<typeof createBucketSigner>;

export interface ControlPlane {
  sql: Sql;
  signer: BucketSigner;
  /** The R2 bucket of each region. */
  buckets: Record<Region, string>;
  /** The control plane's Ed25519 key that signs grants (agents hold its public half). */
  grantSigningKey: KeyObject;
  now: () => Date;
}

/** How long an agent has to finish an upload (and use its grant) before the sweeper aborts it. */
export const UPLOAD_LIFETIME_MS = 6 * 60 * 60 * 1000;
/** Lifetime of pre-signed part URLs; an agent asks again when one has expired. */
export const PART_URL_LIFETIME_SECONDS = 60 * 60;

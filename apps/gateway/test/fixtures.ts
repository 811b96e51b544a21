// A real gateway for one test file: a fresh migrated database, the shared Redis, a local S3 server
// with one bucket per region, and a control-plane grant key. Helpers create customers, VMs and
// enrolled identities the way provisioning and enrollment will.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { Redis } from "ioredis";
import { connect, createEnrollmentToken, enrollAgent, withServiceSession } from "@nacre/db";
import type { Sql } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import type { TestDatabase } from "@nacre/db/testing";
import type { ControlPlane } from "@nacre/fleet";
import { useS3Server } from "@nacre/local-stack/vitest";
import type { S3Server } from "@nacre/local-stack";
import { createBucketSigner } from "@nacre/storage";
import { afterAll, beforeAll, inject } from "vitest";
import { startGateway } from "../src/index.ts";
import type { Gateway, GatewayOptions } from "../src/index.ts";

export const BUCKETS = { SG: "nacre-sg", US: "nacre-us", EU: "nacre-eu" } as const;

export interface GatewayFixture {
  db: TestDatabase;
  sql: Sql;
  redis: Redis;
  s3: S3Server;
  cp: ControlPlane;
  gateway: Gateway;
  /** Starts another replica on the same database, Redis and buckets. */
  startReplica(gatewayId: string, overrides?: Partial<GatewayOptions>): Promise<Gateway>;
  logs: Record<string, unknown>[];
}

/** Starts everything once for the test file; stops it afterwards. */
export function useGateway(overrides: Partial<GatewayOptions> = {}): () => GatewayFixture {
  const s3 = useS3Server({ buckets: Object.values(BUCKETS) });
  let fixture: GatewayFixture | undefined;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const db = await createTestDatabase(inject("postgresUrl"));
    const sql = connect(db.url, { applicationName: "nacre-gateway-tests", max: 10 });
    const redis = new Redis(inject("redisUrl"));
    const logs: Record<string, unknown>[] = [];
    const server = s3();
    const cp: ControlPlane = {
      sql,
      signer: createBucketSigner({ endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
      buckets: { ...BUCKETS },
      grantSigningKey: generateKeyPairSync("ed25519").privateKey,
      now: () => new Date(),
    };
    const startReplica = async (gatewayId: string, more: Partial<GatewayOptions> = {}): Promise<Gateway> => {
      const subscriber = new Redis(inject("redisUrl"));
      const gateway = await startGateway({
        gatewayId, host: "127.0.0.1", port: 0, cp, redis, subscriber,
        heartbeatIntervalSeconds: 30, heartbeatFlushMs: 100, pingIntervalMs: 30_000, sweepIntervalMs: 3_600_000,
        log: (entry) => logs.push(entry), ...overrides, ...more,
      });
      closers.push(async () => {
        await gateway.close();
        subscriber.disconnect();
      });
      return gateway;
    };
    const gateway = await startReplica(`test-${randomUUID().slice(0, 8)}`);
    fixture = { db, sql, redis, s3: server, cp, gateway, startReplica, logs };
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    fixture?.redis.disconnect();
    await fixture?.sql.end({ timeout: 5 });
    await fixture?.db.drop();
  });
  return () => {
    if (!fixture) throw new Error("useGateway: available inside tests and hooks after beforeAll");
    return fixture;
  };
}

export interface EnrolledVm {
  customerId: string;
  vmId: string;
  identityKey: KeyObject;
  sealingKey: KeyObject;
}

/** A customer with one VM whose agent has enrolled (keys generated here, as the agent would). */
export async function createEnrolledVm(sql: Sql, region: "SG" | "US" | "EU" = "SG"): Promise<EnrolledVm> {
  const customerId = randomUUID();
  const vmId = randomUUID();
  await sql`insert into auth.users (id, email) values (${customerId}, ${`${customerId}@example.com`})`;
  await sql`insert into public.customers (id, email) values (${customerId}, ${`${customerId}@example.com`})`;
  await sql`insert into public.vms (id, customer_id, hostname, region, status)
    values (${vmId}, ${customerId}, ${`vm-${vmId.slice(0, 8)}.nacre.local`}, ${region}, 'active')`;
  const identity = generateKeyPairSync("ed25519");
  const sealing = generateKeyPairSync("x25519");
  const raw = (k: KeyObject): Buffer => Buffer.from(k.export({ format: "jwk" }).x as string, "base64url");
  await withServiceSession(sql, async (tx) => {
    const token = await createEnrollmentToken(tx, vmId, 600, new Date());
    await enrollAgent(tx, { token, identityKey: raw(identity.publicKey), sealingKey: raw(sealing.publicKey), now: new Date() });
  });
  return { customerId, vmId, identityKey: identity.privateKey, sealingKey: sealing.privateKey };
}

// The control plane as retention sees it, for one test file: a fresh migrated database, the local S3
// server with one bucket per region, a faulty proxy in front of it, and two ControlPlanes that differ
// only in how their signer reaches the bucket. Helpers make customers, VMs and completed snapshots
// whose objects really exist, as finishSnapshot would have left them.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { connect } from "@nacre/db";
import type { Region, SnapshotKind, Sql } from "@nacre/db";
import { createTestDatabase } from "@nacre/db/testing";
import type { TestDatabase } from "@nacre/db/testing";
import type { FaultyProxy, S3Server } from "@nacre/local-stack";
import { useFaultyProxy, useS3Server } from "@nacre/local-stack/vitest";
import { createBucketSigner, createS3Store } from "@nacre/storage";
import type { BackupStore } from "@nacre/storage";
import { afterAll, beforeAll, inject } from "vitest";
import type { ControlPlane } from "../src/index.ts";

export const BUCKETS: Record<Region, string> = { SG: "nacre-sg", US: "nacre-us", EU: "nacre-eu" };

export interface RetentionFixture {
  db: TestDatabase;
  sql: Sql;
  s3: S3Server;
  proxy: FaultyProxy;
  /** Signs for the S3 server itself. */
  cp: ControlPlane;
  /** The same control plane, its signer reaching the bucket through the faulty proxy. */
  faultyCp: ControlPlane;
  /** What cp.now() and faultyCp.now() answer; tests move it. */
  clock: { now: Date };
  /** A plain store per region's bucket, to put the objects a test's snapshots stand for. */
  stores: Record<Region, BackupStore>;
}

/** Starts everything once for the test file; stops it afterwards. */
export function useRetentionFixture(): () => RetentionFixture {
  const s3 = useS3Server({ buckets: Object.values(BUCKETS) });
  const proxy = useFaultyProxy(s3);
  let fixture: RetentionFixture | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase(inject("postgresUrl"));
    const sql = connect(db.url, { applicationName: "nacre-fleet-tests" });
    const server = s3();
    const clock = { now: new Date() };
    const controlPlane = (endpoint: string): ControlPlane => ({
      sql,
      signer: createBucketSigner({ endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
      buckets: { ...BUCKETS },
      grantSigningKey: generateKeyPairSync("ed25519").privateKey,
      now: () => clock.now,
    });
    const store = (bucket: string): BackupStore => createS3Store({
      endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, bucket,
    });
    const stores = { SG: store(BUCKETS.SG), US: store(BUCKETS.US), EU: store(BUCKETS.EU) };
    fixture = { db, sql, s3: server, proxy: proxy(), cp: controlPlane(server.endpoint), faultyCp: controlPlane(proxy().endpoint), clock, stores };
  });
  afterAll(async () => {
    await fixture?.sql.end({ timeout: 5 });
    await fixture?.db.drop();
  });
  return () => {
    if (!fixture) throw new Error("useRetentionFixture: available inside tests and hooks after beforeAll");
    return fixture;
  };
}

export interface TestVm {
  customerId: string;
  vmId: string;
  region: Region;
  /** Where the VM's objects live: `<customer>/<vm>/`, as startSnapshot names them. */
  prefix: string;
}

/** A customer with one active VM. */
export async function createVm(sql: Sql, region: Region = "SG"): Promise<TestVm> {
  const customerId = randomUUID();
  const vmId = randomUUID();
  await sql`insert into auth.users (id, email) values (${customerId}, ${`${customerId}@example.com`})`;
  await sql`insert into public.customers (id, email) values (${customerId}, ${`${customerId}@example.com`})`;
  await sql`insert into public.vms (id, customer_id, hostname, region, status)
    values (${vmId}, ${customerId}, ${`vm-${vmId.slice(0, 8)}.nacre.local`}, ${region}, 'active')`;
  return { customerId, vmId, region, prefix: `${customerId}/${vmId}/` };
}

export interface TestSnapshot {
  id: string;
  kind: SnapshotKind;
  createdAt: Date;
  objectKey: string;
}

/** A completed snapshot: its object uploaded to the region's bucket, then its row, as finishSnapshot leaves them. */
export async function putSnapshot(
  fx: RetentionFixture,
  vm: TestVm,
  kind: SnapshotKind,
  createdAt: Date,
  holdUntil?: Date,
): Promise<TestSnapshot> {
  const id = randomUUID();
  const objectKey = `${vm.prefix}${createdAt.toISOString()}-${kind}.nacre`;
  const bytes = randomBytes(64);
  const { size, sha256 } = await fx.stores[vm.region].put(objectKey, (async function* () { yield bytes; })(), { expectedSize: bytes.length });
  await fx.sql`insert into public.snapshots (id, vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes,
      sha256, key_id, created_at, completed_at, hold_until)
    values (${id}, ${vm.vmId}, ${vm.customerId}, ${kind}, 'completed', ${vm.region}, ${BUCKETS[vm.region]}, ${objectKey}, ${size},
      ${sha256}, ${`${vm.customerId}:v1`}, ${createdAt}, ${createdAt}, ${holdUntil ?? null})`;
  return { id, kind, createdAt, objectKey };
}

/** The VM's snapshot rows as `id → status`. */
export async function rowStatuses(sql: Sql, vmId: string): Promise<Map<string, string>> {
  const rows = await sql`select id, status from public.snapshots where vm_id = ${vmId}`;
  return new Map(rows.map((row) => [row["id"] as string, row["status"] as string]));
}

/** What the dashboard lists for the VM: its completed snapshots, newest first, at most 14. */
export async function dashboardList(sql: Sql, vmId: string): Promise<string[]> {
  const rows = await sql`select id from public.snapshots where vm_id = ${vmId} and status = 'completed'
    order by created_at desc limit 14`;
  return rows.map((row) => row["id"] as string);
}

/** Every object key under the VM's prefix, sorted. */
export async function objectKeys(fx: RetentionFixture, vm: TestVm): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of fx.cp.signer.listKeys(BUCKETS[vm.region], vm.prefix)) keys.push(key);
  return keys.sort();
}

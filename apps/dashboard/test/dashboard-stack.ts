// The dashboard's end-to-end fixture: the whole local stack (Postgres, Redis, the S3 server, the email
// recorder, gateway, workers and the built dashboard) in a directory and database of its own, alice's
// VM with the real agent enrolled and running, and Debian's Chromium driven by playwright-core.
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startStack } from "@nacre/dev-stack";
import type { Stack } from "@nacre/dev-stack";
import { runManagedDemo } from "@nacre/dev-stack/managed-demo";
import type { ManagedDemo } from "@nacre/dev-stack/managed-demo";
import { CHROMIUM_ARGS, ensureChromium } from "@nacre/local-stack";

export const ALICE = { id: "11111111-1111-4111-8111-111111111111", email: "alice@example.com", vmId: "aaaaaaaa-0000-4000-8000-00000000000a", hostname: "alice-claw.sg.nacre.local" };
export const BOB = { id: "22222222-2222-4222-8222-222222222222", email: "bob@example.com", vmId: "bbbbbbbb-0000-4000-8000-00000000000b", hostname: "bob-claw.eu.nacre.local" };
export const SUPPORT = { email: "support@nacre.local" };

/** Where screenshots go: kept by CI as artifacts, and the source of docs/dashboard.md's pictures. */
export const SCREENSHOTS = resolve(import.meta.dirname, "../../../test-artifacts/dashboard");

export interface DashboardWorld {
  dir: string;
  stack: Stack;
  sql: postgres.Sql;
  redis: Redis;
  jobsPrefix: string;
  alice: ManagedDemo;
  /** alice's VM data directory, as the real agent backs it up. */
  aliceData: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** Brings everything up; the caller's afterAll calls stop(). */
export async function startDashboardWorld(): Promise<DashboardWorld> {
  const dir = await mkdtemp(join(tmpdir(), "nacre-dashboard-e2e-"));
  // The PostgreSQL server reads the Vault root key under this directory as its own OS user.
  await chmod(dir, 0o755);
  await mkdir(SCREENSHOTS, { recursive: true });
  const jobsPrefix = `nacre-test-dashboard-${process.pid}`;
  // The stack's apps inherit this environment: queues and dashboard keys of this test's own (removed
  // afterwards), nights retried in 200 ms.
  Object.assign(process.env, {
    NACRE_JOBS_PREFIX: jobsPrefix, NACRE_DASHBOARD_REDIS_PREFIX: `${jobsPrefix}:dashboard`, NACRE_NIGHTLY_RETRY_DELAY_MS: "200", NACRE_NIGHTLY_SPREAD_MS: "0",
  });
  const stack = await startStack({
    dir, s3Port: 0, emailPort: 0, gatewayPort: 0, opsPort: 0, dashboardPort: 0, databaseName: `nacre_dashboard_${process.pid}`,
  });
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  const redis = new Redis(stack.redisUrl);
  let alice: ManagedDemo | undefined;
  let browser: Browser | undefined;
  try {
    alice = await runManagedDemo(stack, dir, () => {});
    browser = await chromium.launch({ executablePath: await ensureChromium(), args: CHROMIUM_ARGS });
  } catch (error) {
    await alice?.stop();
    await stack.stop();
    throw error;
  }
  const started = { alice, browser };
  return {
    dir, stack, sql, redis, jobsPrefix, alice, aliceData: join(dir, "vm-alice", "data"), browser,
    async stop() {
      await started.browser.close().catch(() => {});
      await started.alice.stop().catch(() => {});
      await stack.stop();
      const keys = await redis.keys(`${jobsPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await sql.end({ timeout: 5 });
      await dropDatabase(stack.databaseUrl);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (its own cookies) signed in as `email` through the local sign-in page. */
export async function signIn(world: DashboardWorld, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await world.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${world.stack.dashboard.url}/sign-in`);
  await page.click(`button[data-account="${email}"]`);
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  return { context, page };
}

/** Saves a full-page screenshot under test-artifacts/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end();
  }
}

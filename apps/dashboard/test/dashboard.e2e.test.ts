// The dashboard end to end, as customers and support use it: Chromium (playwright-core) against the
// whole local stack with the real agent on alice's VM. Each step keeps a screenshot in
// test-artifacts/dashboard (docs/dashboard.md shows them).
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataTree } from "@nacre/local-stack";
import { enqueueFanout, openJobQueues } from "@nacre/jobs";
import { MAX_HEADER_LENGTH, readSnapshotHeader } from "@nacre/snapshot/web";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ALICE, BOB, screenshot, signIn, startDashboardWorld, SUPPORT } from "./dashboard-stack.ts";
import type { DashboardWorld } from "./dashboard-stack.ts";

let world: DashboardWorld;
beforeAll(async () => {
  world = await startDashboardWorld();
}, 240_000);
afterAll(async () => {
  await world?.stop();
});

/** The object behind a snapshot row, fetched from the S3 server with the stack's own signer. */
async function storedObject(snapshotId: string): Promise<Buffer> {
  const [row] = await world.sql`select bucket, object_key from public.snapshots where id = ${snapshotId}`;
  const { createBucketSigner } = await import("@nacre/storage");
  const s3 = world.stack.s3;
  const signer = createBucketSigner({ endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  const url = await signer.presignGetObject(row?.["bucket"] as string, row?.["object_key"] as string, 60);
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe("a customer", () => {
  test("sees only their own servers and snapshots; another customer's URLs are 404", async () => {
    const signedOut = await world.browser.newPage();
    await signedOut.goto(`${world.stack.dashboard.url}/`);
    expect(new URL(signedOut.url()).pathname).toBe("/sign-in");
    await screenshot(signedOut, "sign-in");
    await signedOut.close();

    const { context, page } = await signIn(world, ALICE.email);
    await expect.poll(() => page.locator(`[data-vm="${ALICE.vmId}"]`).count()).toBe(1);
    expect(await page.content()).not.toContain(BOB.hostname);
    expect(await page.locator(`[data-vm="${ALICE.vmId}"] [data-testid="last-backup"]`).innerText()).toMatch(/^Last backup: (just now|\d+ minutes? ago)$/);
    await screenshot(page, "overview");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "overview-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // A snapshot of bob's, recorded as completed: alice must not be able to tell it exists.
    const bobSnapshot = randomUUID();
    await world.sql`insert into public.snapshots (id, vm_id, customer_id, kind, status, region, bucket, object_key, size_bytes, sha256, key_id, completed_at)
      values (${bobSnapshot}, ${BOB.vmId}, ${BOB.id}, 'nightly', 'completed', 'EU', 'nacre-eu', ${`${BOB.id}/${BOB.vmId}/x.nacre`}, 10, ${"0".repeat(64)}, ${`${BOB.id}:v1`}, now())`;
    for (const path of [`/vms/${BOB.vmId}`, `/snapshots/${bobSnapshot}`, `/vms/not-a-uuid`]) {
      const response = await page.goto(`${world.stack.dashboard.url}${path}`);
      expect(response?.status(), path).toBe(404);
      expect(await page.content()).not.toContain(BOB.hostname);
    }
    const api = await page.request.get(`${world.stack.dashboard.url}/api/dashboard/exports/${randomUUID()}`);
    expect(api.status()).toBe(404);
    // Another customer's VM cannot be exported either, and the answer does not confirm it exists.
    const foreign = await page.request.post(`${world.stack.dashboard.url}/api/dashboard/vm/export-data`, {
      data: { vmId: BOB.vmId }, headers: { origin: world.stack.dashboard.url },
    });
    expect(foreign.status()).toBe(404);
    expect((await foreign.json()).error.code).toBe("E_VM_NOT_FOUND");
    await world.sql`delete from public.snapshots where id = ${bobSnapshot}`;
    await context.close();
  });

  test("the backups table shows the size, SHA-256 and region of the stored objects", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    await page.goto(`${world.stack.dashboard.url}/vms/${ALICE.vmId}`);
    const rows = await world.sql`select id, size_bytes, sha256, region::text as region from public.snapshots
      where vm_id = ${ALICE.vmId} and status = 'completed' order by created_at desc`;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const object = await storedObject(row["id"] as string);
      const tr = page.locator(`tr[data-snapshot="${row["id"] as string}"]`);
      expect(Number(await tr.locator("[data-bytes]").getAttribute("data-bytes"))).toBe(object.length);
      expect(await tr.locator("[data-sha256]").innerText()).toBe(createHash("sha256").update(object).digest("hex"));
      expect(await tr.locator("[data-region]").getAttribute("data-region")).toBe("SG");
    }
    await screenshot(page, "backups");
    await page.click(`tr[data-snapshot="${rows[0]?.["id"] as string}"] a`);
    await page.waitForURL(/\/snapshots\//);
    expect(await page.locator("main").innerText()).toContain(rows[0]?.["sha256"] as string);
    await screenshot(page, "snapshot");
    await context.close();
  });

  test("a cross-site POST is refused by the origin check", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    const response = await page.request.post(`${world.stack.dashboard.url}/api/dashboard/vm/export-data`, {
      data: { vmId: ALICE.vmId }, headers: { origin: "https://evil.example" },
    });
    expect(response.status()).toBe(403);
    expect((await response.json()).error.code).toBe("E_ORIGIN");
    await context.close();
  });
});

describe("Export now and Decrypt locally", () => {
  let exportFile = "";
  let exportSnapshotId = "";

  test("Export now ends with an email whose link downloads the blob", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    await page.goto(`${world.stack.dashboard.url}/vms/${ALICE.vmId}`);
    await page.locator("[data-testid=export-now][data-hydrated]").waitFor();
    await page.click("[data-testid=export-now] button");
    await page.locator("[data-testid=export-progress]").waitFor({ timeout: 10_000 }).catch(() => {});
    const done = page.locator("[data-testid=export-done]");
    await done.waitFor({ timeout: 90_000 });
    expect(await done.innerText()).toContain(`A link valid 24 hours was emailed to ${ALICE.email}`);
    await screenshot(page, "export-now");

    const [row] = await world.sql`select snapshot_id, email_id from public.exports where vm_id = ${ALICE.vmId} and status = 'emailed' order by created_at desc limit 1`;
    exportSnapshotId = row?.["snapshot_id"] as string;
    const email = (await (await fetch(`${world.stack.email.baseUrl}/emails/${row?.["email_id"] as string}`, {
      headers: { authorization: `Bearer ${world.stack.email.apiKey}` },
    })).json()) as { to: string[]; text: string };
    expect(email.to).toEqual([ALICE.email]);
    const link = /https?:\/\/\S+/.exec(email.text)?.[0] ?? "";
    const download = await fetch(link);
    expect(download.status).toBe(200);
    const name = /filename="?([^";]+)"?/.exec(download.headers.get("content-disposition") ?? "")?.[1] ?? "";
    expect(name).toMatch(new RegExp(`^${ALICE.hostname.replace(/\./g, "\\.")}-\\d{8}-\\d{6}Z\\.nacre$`));
    const blob = Buffer.from(await download.arrayBuffer());
    expect(blob.equals(await storedObject(exportSnapshotId))).toBe(true);
    mkdirSync(join(world.dir, "downloads"), { recursive: true });
    exportFile = join(world.dir, "downloads", name);
    writeFileSync(exportFile, blob);
    await context.close();
  });

  test("Decrypt locally turns that blob into a tar equal to the VM's data", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    // The in-memory path (Firefox, Safari): headless Chromium cannot answer a save dialog.
    await page.addInitScript(() => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    await page.goto(`${world.stack.dashboard.url}/decrypt`);
    await page.locator("[data-testid=decrypt-panel][data-hydrated]").waitFor();
    await page.setInputFiles("#export-file", exportFile);
    expect(await page.locator("#snapshot").inputValue()).toBe(exportSnapshotId);
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), page.click("text=3. Decrypt and save")]);
    await page.locator("[data-testid=decrypt-done]").waitFor();
    await screenshot(page, "decrypt-locally");
    const tarFile = join(world.dir, "downloads", download.suggestedFilename());
    await download.saveAs(tarFile);
    const out = join(world.dir, "untarred");
    mkdirSync(out);
    execFileSync("tar", ["-xf", tarFile, "-C", out]);
    expect(dataTree(join(out, "data"))).toEqual(dataTree(world.aliceData));
    await context.close();
  });

  test("where the browser can stream (showSaveFilePicker), the tar goes straight to the chosen file; a tampered file leaves none", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    // The save dialog answered with a real file handle of the origin-private file system, which
    // headless Chromium has: the same FileSystemFileHandle and writable the real dialog gives.
    await page.addInitScript(() => {
      (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async ({ suggestedName }: { suggestedName: string }) =>
        (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
    });
    const saved = (name: string) => page.evaluate(async (file) => {
      try {
        const handle = await (await navigator.storage.getDirectory()).getFileHandle(file);
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        let text = "";
        for (const byte of bytes) text += String.fromCharCode(byte);
        return btoa(text);
      } catch {
        return null;
      }
    }, name);
    const tarName = `${exportFile.split("/").pop()!.replace(/\.nacre$/, "")}.tar`;

    await page.goto(`${world.stack.dashboard.url}/decrypt`);
    await page.locator("[data-testid=decrypt-panel][data-hydrated]").waitFor();
    await page.setInputFiles("#export-file", exportFile);
    await page.click("text=3. Decrypt and save");
    await page.locator("[data-testid=decrypt-done]").waitFor({ timeout: 60_000 });
    expect(await page.locator("[data-testid=decrypt-done]").innerText()).toContain(`saved as ${tarName}`);
    const tar = Buffer.from((await saved(tarName)) ?? "", "base64");
    const out = join(world.dir, "untarred-streamed");
    mkdirSync(out);
    writeFileSync(join(world.dir, "streamed.tar"), tar);
    execFileSync("tar", ["-xf", join(world.dir, "streamed.tar"), "-C", out]);
    expect(dataTree(join(out, "data"))).toEqual(dataTree(world.aliceData));

    const original = readFileSync(exportFile);
    const flipped = Buffer.from(original);
    flipped[original.length - 100]! ^= 0x80;
    const tampered = exportFile.replace(/\.nacre$/, "-streamed-flip.nacre");
    writeFileSync(tampered, flipped);
    await page.goto(`${world.stack.dashboard.url}/decrypt?snapshot=${exportSnapshotId}`);
    await page.locator("[data-testid=decrypt-panel][data-hydrated]").waitFor();
    await page.setInputFiles("#export-file", tampered);
    await page.click("text=3. Decrypt and save");
    await page.locator("[data-testid=decrypt-error]").waitFor({ timeout: 60_000 });
    expect(await saved(tarName.replace(/\.tar$/, "-streamed-flip.tar"))).toBeNull();
    await context.close();
  });

  test("a file's key is handed out once, to the session that asked, never cached", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    const header = readSnapshotHeader(readFileSync(exportFile).subarray(0, MAX_HEADER_LENGTH)).headerBytes;
    const api = (path: string, data: unknown) => page.request.post(`${world.stack.dashboard.url}${path}`, { data, headers: { origin: world.stack.dashboard.url } });
    const { ticket } = (await (await api("/api/dashboard/decrypt/ticket", { snapshotId: exportSnapshotId })).json()) as { ticket: string };
    const first = await api("/api/dashboard/decrypt/unwrap", { ticket, header: Buffer.from(header).toString("base64") });
    expect(first.status()).toBe(200);
    expect(first.headers()["cache-control"]).toBe("no-store");
    expect(Buffer.from(((await first.json()) as { dataKey: string }).dataKey, "base64")).toHaveLength(32);
    const again = await api("/api/dashboard/decrypt/unwrap", { ticket, header: Buffer.from(header).toString("base64") });
    expect(again.status()).toBe(403);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("E_TICKET");

    // Another of alice's sessions cannot redeem this session's ticket; a header of another file is refused.
    const other = await signIn(world, ALICE.email);
    const { ticket: second } = (await (await api("/api/dashboard/decrypt/ticket", { snapshotId: exportSnapshotId })).json()) as { ticket: string };
    const stolen = await other.page.request.post(`${world.stack.dashboard.url}/api/dashboard/decrypt/unwrap`, {
      data: { ticket: second, header: Buffer.from(header).toString("base64") }, headers: { origin: world.stack.dashboard.url },
    });
    expect(stolen.status()).toBe(403);
    const [nightly] = await world.sql`select id from public.snapshots where vm_id = ${ALICE.vmId} and kind = 'nightly' and status = 'completed' limit 1`;
    const { ticket: third } = (await (await api("/api/dashboard/decrypt/ticket", { snapshotId: nightly?.["id"] as string })).json()) as { ticket: string };
    const mismatch = await api("/api/dashboard/decrypt/unwrap", { ticket: third, header: Buffer.from(header).toString("base64") });
    expect(((await mismatch.json()) as { error: { code: string } }).error.code).toBe("E_NOT_THIS_SNAPSHOT");
    await other.context.close();
    await context.close();
  });

  test("a flipped byte or a cut file fails with nothing saved", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    await page.addInitScript(() => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    const original = readFileSync(exportFile);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    const cut = original.subarray(0, original.length - 7);
    for (const [label, bytes] of [["flipped", flipped], ["cut", cut]] as const) {
      const file = exportFile.replace(/\.nacre$/, `-${label}.nacre`);
      writeFileSync(file, bytes);
      await page.goto(`${world.stack.dashboard.url}/decrypt?snapshot=${exportSnapshotId}`);
      await page.locator("[data-testid=decrypt-panel][data-hydrated]").waitFor();
      let downloads = 0;
      page.on("download", () => void (downloads += 1));
      await page.setInputFiles("#export-file", file);
      await page.click("text=3. Decrypt and save");
      const error = page.locator("[data-testid=decrypt-error]");
      await error.waitFor({ timeout: 60_000 });
      expect(await error.innerText()).toContain("Nothing was saved.");
      expect(downloads).toBe(0);
      if (label === "flipped") await screenshot(page, "decrypt-tampered");
    }
    await context.close();
  });
});

describe("failed nights", () => {
  test("two failed nights show the banner with the reason in words", async () => {
    const queues = openJobQueues({ connection: { url: world.stack.redisUrl, maxRetriesPerRequest: null }, prefix: world.jobsPrefix });
    try {
      for (const night of ["2031-03-01", "2031-03-02"]) {
        await enqueueFanout(queues, { night });
        await expect.poll(async () => {
          const [row] = await world.sql`select status::text from public.backup_nights where vm_id = ${BOB.vmId} and night = ${night}`;
          return row?.["status"];
        }, { timeout: 60_000, interval: 250 }).toBe("failed");
      }
    } finally {
      await queues.close();
    }
    const { context, page } = await signIn(world, BOB.email);
    await page.goto(`${world.stack.dashboard.url}/vms/${BOB.vmId}`);
    const banner = page.locator("[data-testid=failed-nights-banner]");
    expect(await banner.innerText()).toContain("Backups of this server failed two nights in a row.");
    expect(await banner.innerText()).toContain("We try again every hour");
    await screenshot(page, "failed-nights-banner");
    await context.close();
  });
});

describe("support", () => {
  test("the console finds a customer and shows the VM's snapshots, nights and heartbeat", async () => {
    const { context, page } = await signIn(world, SUPPORT.email);
    expect(new URL(page.url()).pathname).toBe("/support");
    await page.fill("input[name=q]", "alice");
    await page.click("text=Search");
    await page.locator("[data-testid=search-results]").waitFor();
    await screenshot(page, "support-search");
    await page.click(`text=${ALICE.email}`);
    await page.waitForURL(/\/support\/customers\//);
    await screenshot(page, "support-customer");
    await page.click(`text=${ALICE.hostname}`);
    await page.locator("[data-testid=heartbeat]").waitFor();
    expect(await page.locator("[data-testid=heartbeat]").innerText()).toContain("Agent version");
    await screenshot(page, "support-vm");
    await context.close();
  });

  test("the console starts a restore after the hostname is typed, shows each step, and the audit log has them", async () => {
    const before = dataTree(world.aliceData);
    // Written after every snapshot of alice's: the restore must take /data back to without it.
    writeFileSync(join(world.aliceData, "workspace", "written-after-the-snapshot.md"), "lost by the restore\n");
    const { context, page } = await signIn(world, SUPPORT.email);
    await page.goto(`${world.stack.dashboard.url}/support/vms/${ALICE.vmId}`);
    await page.locator("[data-testid=restore-panel][data-hydrated]").waitFor();
    const start = page.locator("text=Start restore");
    await page.fill("#restore-confirm", "alice-claw.wrong.host");
    expect(await start.isDisabled()).toBe(true);
    await page.fill("#restore-confirm", ALICE.hostname);
    await start.click();
    const status = page.locator("[data-testid=restore-status]");
    await expect.poll(() => status.innerText(), { timeout: 120_000, interval: 500 }).toMatch(/succeeded|failed|rolled-back/);
    expect(await status.innerText()).toBe("succeeded");
    const steps = await page.locator("[data-testid=restore-progress] .steps li").allInnerTexts();
    expect(steps.join("\n")).toMatch(/safety-snapshot[\s\S]*download[\s\S]*swap/);
    await screenshot(page, "support-restore");
    expect(dataTree(world.aliceData)).toEqual(before);

    await page.goto(`${world.stack.dashboard.url}/support/audit?vm=${ALICE.vmId}`);
    const actions = await page.locator("[data-testid=audit-table] tr[data-action]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    expect(actions).toContain("restore.requested");
    expect(actions).toContain("restore.step");
    expect(actions).toContain("restore.succeeded");
    await screenshot(page, "audit-log");
    await context.close();
  });

  test("a customer cannot open the support console", async () => {
    const { context, page } = await signIn(world, ALICE.email);
    const response = await page.goto(`${world.stack.dashboard.url}/support`);
    expect(response?.status()).toBe(404);
    await context.close();
  });
});

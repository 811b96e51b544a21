// Export now: the owner's request queues export.now; the worker takes an 'export' snapshot through
// the real agent, emails a 24-hour link (the email recorder stands in for Resend), and the link
// downloads the encrypted blob, which decrypts with the customer's key to the VM's own files. And
// the refusals: another customer's VM (not found), a second export in flight, an offline agent, a
// deleted VM.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { customerKeyById, withServiceSession } from "@nacre/db";
import { registerAgent, requestExport } from "@nacre/fleet";
import type { RequestExportDeps } from "@nacre/fleet";
import { extractArchive, openSnapshotStream, unwrapDataKey } from "@nacre/snapshot";
import { expect, test } from "vitest";
import { createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";
import { enrollRealAgent } from "./real-agent.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 300, spreadMs: 200 } });

const deps = (queue?: RequestExportDeps["queue"]): RequestExportDeps => {
  const { sql, redis, workers } = stack();
  return { sql, redis, queue: queue ?? workers.lifecycle, now: () => new Date() };
};
const ownerOf = (vm: TestVm) => ({ userId: vm.customerId, email: vm.email });

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

test("an export is emailed with a 24-hour link that downloads the blob, which decrypts to the VM's data", async () => {
  const { sql, workers, recorder, work } = stack();
  const vm = await createVm(sql, { region: "US" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  await agent.start();
  await expect.poll(async () => (await sql`select last_heartbeat_at from public.vms where id = ${vm.vmId}`)[0]?.["last_heartbeat_at"], { timeout: 10_000 }).toBeInstanceOf(Date);

  const { exportId } = await requestExport(deps(), ownerOf(vm), vm.vmId);
  expect(await waitForJob(workers, exportId), agent.output()).toBe("completed");

  const [row] = await sql`select status::text, requested_by, snapshot_id, email_to, email_id, email_sent_at, link_expires_at, error
    from public.exports where id = ${exportId}`;
  expect(row).toMatchObject({ status: "emailed", requested_by: vm.customerId, email_to: vm.email, error: null });
  const linkHours = ((row?.["link_expires_at"] as Date).getTime() - (row?.["email_sent_at"] as Date).getTime()) / 3_600_000;
  expect(linkHours).toBeGreaterThan(23.99);
  expect(linkHours).toBeLessThanOrEqual(24.01);
  const [snapshot] = await sql`select kind::text, status::text, region::text, key_id, created_at, hold_until, sha256 from public.snapshots where id = ${row?.["snapshot_id"] as string}`;
  expect(snapshot).toMatchObject({ kind: "export", status: "completed", region: "US" });
  expect((snapshot?.["hold_until"] as Date).getTime() - (snapshot?.["created_at"] as Date).getTime()).toBeGreaterThanOrEqual(7 * 86_400_000 - 60_000);

  const emails = recorder.emails().filter((e) => e.idempotencyKey === `export:${exportId}`);
  expect(emails).toHaveLength(1);
  const email = emails[0];
  expect(email).toMatchObject({ to: [vm.email], subject: `Your export of ${vm.hostname} is ready to download` });
  expect(row?.["email_id"]).toBe(email?.id);
  const url = /Download: (\S+)/.exec(email?.text ?? "")?.[1];
  expect(url).toBeDefined();
  expect(email?.html).toContain("Download the export");
  expect(email?.text).toContain(snapshot?.["sha256"] as string);

  const response = await fetch(url as string);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-disposition")).toContain(`${vm.hostname}-`);
  const blob = Buffer.from(await response.arrayBuffer());
  const opened = await openSnapshotStream(Readable.from([blob]), {
    key: { unwrap: async (keyId, wrapped) => unwrapDataKey((await withServiceSession(sql, (tx) => customerKeyById(tx, keyId))).key, wrapped) },
  });
  const restored = join(work, `${exportId}-restored`);
  await extractArchive(opened.tar, restored);
  const dataDir = join(work, vm.vmId, "data");
  const original = listFiles(dataDir);
  expect(original).toContain(join("workspace", "MEMORY.md"));
  expect(listFiles(join(restored, "data"))).toEqual(original);
  for (const file of original) expect(readFileSync(join(restored, "data", file)).equals(readFileSync(join(dataDir, file))), file).toBe(true);

  const audit = await sql`select action from public.audit_log where customer_id = ${vm.customerId} order by id`;
  expect(audit.map((a) => a["action"])).toEqual(["export.requested", "export.emailed"]);

  // The job once more (a retry after the email went out) does nothing: no second snapshot, no second email.
  await (await workers.queues.exportNow.getJob(exportId))?.retry("completed");
  expect(await waitForJob(workers, exportId)).toBe("completed");
  await expect.poll(async () => (await workers.queues.exportNow.getJob(exportId))?.returnvalue).toEqual({ outcome: "already-final", status: "emailed" });
  expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vm.vmId}`).toEqual([{ n: 1 }]);
  expect(recorder.emails().filter((e) => e.idempotencyKey === `export:${exportId}`)).toHaveLength(1);
  await agent.stop();
});

test("refused: another customer's VM is not found, a second export in flight, an offline agent, a deleted VM", async () => {
  const { sql, redis } = stack();
  const online = async (vm: TestVm): Promise<void> => {
    await sql`update public.vms set last_heartbeat_at = now() where id = ${vm.vmId}`;
    await registerAgent(redis, vm.vmId, "gateway-under-test");
  };
  const mine = await createVm(sql);
  const theirs = await createVm(sql);
  await online(mine);
  await online(theirs);
  const queued: string[] = [];
  // Queued nowhere: the first export stays 'queued', in flight, for the second request to meet.
  const idle = deps({ enqueueExport: async (id) => void queued.push(id) });

  await expect(requestExport(idle, ownerOf(mine), theirs.vmId)).rejects.toMatchObject({ code: "E_VM_NOT_FOUND" });
  await expect(requestExport(idle, ownerOf(mine), "not-a-uuid")).rejects.toMatchObject({ code: "E_VM_NOT_FOUND" });

  const first = await requestExport(idle, ownerOf(mine), mine.vmId);
  expect(queued).toEqual([first.exportId]);
  const second = requestExport(idle, ownerOf(mine), mine.vmId);
  await expect(second).rejects.toMatchObject({ code: "E_EXPORT_IN_FLIGHT" });
  await expect(second).rejects.toThrow(/already under way/);

  // Offline: a heartbeat older than 90 s, or no entry in the gateway registry.
  const stale = await createVm(sql);
  await online(stale);
  await sql`update public.vms set last_heartbeat_at = now() - interval '2 minutes' where id = ${stale.vmId}`;
  await expect(requestExport(idle, ownerOf(stale), stale.vmId)).rejects.toMatchObject({ code: "E_AGENT_OFFLINE" });
  const unregistered = await createVm(sql);
  await sql`update public.vms set last_heartbeat_at = now() where id = ${unregistered.vmId}`;
  await expect(requestExport(idle, ownerOf(unregistered), unregistered.vmId)).rejects.toMatchObject({ code: "E_AGENT_OFFLINE" });

  const deleted = await createVm(sql, { status: "deleted" });
  await expect(requestExport(idle, ownerOf(deleted), deleted.vmId)).rejects.toMatchObject({ code: "E_VM_DELETED" });

  expect(queued).toHaveLength(1);
  const rows = await sql`select vm_id, status::text from public.exports where vm_id in ${sql([mine.vmId, theirs.vmId, stale.vmId, unregistered.vmId, deleted.vmId])}`;
  expect(rows).toEqual([{ vm_id: mine.vmId, status: "queued" }]);
});

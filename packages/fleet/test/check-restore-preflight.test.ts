// The control plane's restore preflight reads the VM's last heartbeat: a silent agent or a disk the
// snapshot would not fit on refuses the restore before the customer's app is paused.
import { expect, test } from "vitest";
import { checkRestorePreflight } from "../src/restores/check-restore-preflight.ts";
import { createVm, useRetentionFixture } from "./fixtures.ts";

const fixture = useRetentionFixture();

test("refuses a silent agent and a disk without 3× the snapshot's size; passes an online VM with room", async () => {
  const { sql } = fixture();
  const vm = await createVm(sql);
  const now = new Date("2026-11-22T12:00:00Z");
  const heartbeat = async (at: Date | null, free: number | null): Promise<void> => {
    await sql`update public.vms set last_heartbeat_at = ${at}, disk_free_bytes = ${free}, agent_version = '0.1.0', app_status = 'running' where id = ${vm.vmId}`;
  };
  const check = () => sql.begin((tx) => checkRestorePreflight(tx, vm.vmId, 1_000_000, now));

  await heartbeat(null, null);
  expect(await check()).toMatchObject({ ok: false, code: "E_AGENT_OFFLINE" });
  await heartbeat(new Date(now.getTime() - 91_000), 10_000_000);
  expect(await check()).toMatchObject({ ok: false, code: "E_AGENT_OFFLINE" });

  await heartbeat(new Date(now.getTime() - 5_000), 2_999_999);
  expect(await check()).toMatchObject({ ok: false, code: "E_DISK_SPACE", message: expect.stringContaining("needs about 3000000") });

  await heartbeat(new Date(now.getTime() - 5_000), 3_000_000);
  expect(await check()).toEqual({ ok: true, message: "agent 0.1.0 online; 3000000 bytes free (needs about 3000000); app running" });
  // Free space not reported yet: the agent's own preflight decides.
  await heartbeat(new Date(now.getTime() - 5_000), null);
  expect(await check()).toMatchObject({ ok: true });
});

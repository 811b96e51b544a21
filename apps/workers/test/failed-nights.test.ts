// Failed nights and the banner: a night whose seven attempts all fail is recorded failed, in words;
// a second failed night in a row raises the banner and sends the customer exactly one email; a third
// sends none; the next successful night takes the banner down.
import { enqueueFanout, nightlyJobId } from "@nacre/jobs";
import type { Night } from "@nacre/jobs";
import { expect, test } from "vitest";
import { describeFailure } from "@nacre/core";
import { createVm, useNightlyStack, waitForJob } from "./fixtures.ts";
import type { TestVm } from "./fixtures.ts";
import { enrollRealAgent } from "./real-agent.ts";

const stack = useNightlyStack({ timing: { retryDelayMs: 300, spreadMs: 200 } });

async function runNight(vm: TestVm, night: Night): Promise<"completed" | "failed"> {
  const { workers } = stack();
  await enqueueFanout(workers.queues, { night });
  return waitForJob(workers, nightlyJobId(vm.vmId, night));
}

async function nightRow(vm: TestVm, night: Night): Promise<Record<string, unknown> | undefined> {
  const [row] = await stack().sql`select status::text, attempts, last_error_code, last_error, snapshot_id, finished_at
    from public.backup_nights where vm_id = ${vm.vmId} and night = ${night}`;
  return row;
}

async function banner(vm: TestVm): Promise<{ since: string | null; emailed: boolean }> {
  const [row] = await stack().sql`select backup_alert_since::text as since, backup_alert_emailed_at is not null as emailed
    from public.vms where id = ${vm.vmId}`;
  return { since: row?.["since"] as string | null, emailed: row?.["emailed"] as boolean };
}

test("seven failed attempts fail the night; two failed nights raise the banner and send one email; a success clears it", async () => {
  const { sql, recorder, retained } = stack();
  const vm = await createVm(sql, { region: "US" });
  const agent = await enrollRealAgent(stack(), vm.vmId);
  const offline = describeFailure("E_AGENT_OFFLINE");
  expect(offline).toMatch(/^The backup agent on your server was not reachable/);

  // Night 1: every attempt finds the agent offline.
  expect(await runNight(vm, "2031-03-01")).toBe("failed");
  expect(await nightRow(vm, "2031-03-01")).toMatchObject({ status: "failed", attempts: 7, last_error_code: "E_AGENT_OFFLINE", last_error: offline, snapshot_id: null });
  expect((await nightRow(vm, "2031-03-01"))?.["finished_at"]).toBeInstanceOf(Date);
  expect(await banner(vm)).toEqual({ since: null, emailed: false });
  expect(recorder.emails()).toEqual([]);

  // Night 2 fails too: the banner goes up (since the first failed night) and the customer hears once.
  expect(await runNight(vm, "2031-03-02")).toBe("failed");
  expect(await nightRow(vm, "2031-03-02")).toMatchObject({ status: "failed", attempts: 7 });
  expect(await banner(vm)).toEqual({ since: "2031-03-01", emailed: true });
  const [email, ...more] = recorder.emails();
  expect(more).toEqual([]);
  expect(email).toMatchObject({
    to: [vm.email],
    from: "Nacre Backups <backups@nacre.test>",
    subject: `Backups of ${vm.hostname} have failed two nights in a row`,
    idempotencyKey: `banner:${vm.vmId}:2031-03-02`,
  });
  expect(email?.text).toContain(offline);
  expect(email?.text).toContain("since 2031-03-01");
  expect(email?.html).toContain("The backup agent on your server was not reachable");

  // Night 3 fails: the banner stays as it was, and no second email goes out.
  expect(await runNight(vm, "2031-03-03")).toBe("failed");
  expect(await banner(vm)).toEqual({ since: "2031-03-01", emailed: true });
  expect(recorder.emails()).toHaveLength(1);
  expect(await sql`select count(*)::int as n from public.snapshots where vm_id = ${vm.vmId}`).toEqual([{ n: 0 }]);

  // Night 4: the server is back; the night succeeds and the banner comes down.
  await agent.start();
  expect(await runNight(vm, "2031-03-04"), agent.output()).toBe("completed");
  expect(await nightRow(vm, "2031-03-04")).toMatchObject({ status: "succeeded", attempts: 1, last_error: null });
  expect(await banner(vm)).toEqual({ since: null, emailed: false });
  expect(recorder.emails()).toHaveLength(1);
  expect(retained).toEqual([vm.vmId]);
  await agent.stop();
});

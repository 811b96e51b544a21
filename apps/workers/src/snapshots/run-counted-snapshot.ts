// Every snapshot a worker runs goes through here: runSnapshot with the configured timeouts, anything
// thrown before an outcome exists (VM not enrolled, upload in flight, storage or database down)
// turned into a failed outcome with a code, and the outcome counted for /metrics.
import { withServiceSession } from "@nacre/db";
import { runSnapshot } from "@nacre/fleet";
import type { SnapshotOutcome, StartSnapshotInput } from "@nacre/fleet";
import type { WorkerDeps } from "../worker-deps.ts";

export type CountedOutcome = SnapshotOutcome | { ok: false; code: string; message: string };

export async function runCountedSnapshot(deps: WorkerDeps, input: StartSnapshotInput): Promise<CountedOutcome> {
  let outcome: CountedOutcome;
  try {
    outcome = await runSnapshot(deps.cp, input, { redis: deps.redis, subscriber: deps.subscriber, ...deps.snapshot });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    outcome = { ok: false, code: typeof code === "string" && /^E[A-Z0-9_]+$/.test(code) ? code : "E_INTERNAL", message: (error as Error).message ?? String(error) };
  }
  const region = await withServiceSession(deps.cp.sql, (tx) => tx`select region::text as region from public.vms where id = ${input.vmId}`)
    .then(([row]) => (row?.["region"] as string | undefined) ?? "unknown", () => "unknown");
  deps.metrics.countSnapshot(input.kind, region, outcome.ok ? "succeeded" : "failed");
  return outcome;
}

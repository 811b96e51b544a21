// "A year of nights leaves exactly the GFS set", with the real parts: 365 UTC nights with random
// failures, each successful one a real object in the region's bucket and a real row, retention applied
// after each, checked against the rule every night; at the end exactly 7 + 4 + 3 remain, in Postgres and
// in the bucket alike.
import { planGfsRetention } from "@nacre/core";
import { expect, it } from "vitest";
import { applyRetention } from "../src/index.ts";
import { createVm, objectKeys, putSnapshot, rowStatuses, useRetentionFixture } from "./fixtures.ts";
import type { TestSnapshot } from "./fixtures.ts";

const fx = useRetentionFixture();
const DAY = 86_400_000;

/** A small deterministic generator, so a failing night can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

it("a year of nights with failures leaves exactly the GFS set in Postgres and in the bucket", { timeout: 300_000 }, async () => {
  const { sql, cp } = fx();
  const vm = await createVm(sql, "EU");
  const random = seeded(2026);
  const history: TestSnapshot[] = [];
  const start = Date.parse("2025-01-01T03:00:00Z");
  for (let n = 0; n < 365; n += 1) {
    // About one night in six fails all its attempts (no snapshot that night).
    if (random() < 0.16) continue;
    history.push(await putSnapshot(fx(), vm, "nightly", new Date(start + n * DAY + Math.floor(random() * 3_600_000))));
    const outcome = await applyRetention(cp, vm.vmId);
    expect(outcome.failed).toEqual([]);
    const expected = planGfsRetention(history);
    const rows = await rowStatuses(sql, vm.vmId);
    expect([...rows.keys()].sort(), `night ${n}`).toEqual([...expected.keep].sort());
  }
  // The objects agree with the rows, and the set is full: 7 daily, 4 weekly, 3 monthly.
  const final = planGfsRetention(history);
  const kept = history.filter((s) => final.reasons.has(s.id));
  expect(await objectKeys(fx(), vm)).toEqual(kept.map((s) => s.objectKey).sort());
  const reasons = [...final.reasons.values()];
  expect([reasons.filter((r) => r === "daily").length, reasons.filter((r) => r === "weekly").length, reasons.filter((r) => r === "monthly").length]).toEqual([7, 4, 3]);
  expect(history.length).toBeGreaterThan(280);
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gfsOracle } from "./gfs-oracle.ts";
import { GFS_SLOTS, planGfsRetention } from "./plan-gfs-retention.ts";
import type { GfsPlan, GfsReason, GfsSnapshot } from "./plan-gfs-retention.ts";
import { utcDay, utcIsoWeek, utcMonth } from "./utc-calendar.ts";

const DAY = 86_400_000;
const at = (iso: string): GfsSnapshot => ({ id: iso, createdAt: new Date(iso) });

/** One snapshot at 03:00 UTC every night from `from` to `to` (inclusive), minus the failed dates. */
function nightly(from: string, to: string, failed: string[] = []): GfsSnapshot[] {
  const out: GfsSnapshot[] = [];
  for (let t = Date.parse(`${from}T03:00:00Z`); t <= Date.parse(`${to}T03:00:00Z`); t += DAY) {
    const date = new Date(t).toISOString().slice(0, 10);
    if (!failed.includes(date)) out.push({ id: date, createdAt: new Date(t) });
  }
  return out;
}

/** The kept ids as "MM-DD tier", newest first: how docs/retention.md shows them. */
const kept = (plan: GfsPlan): string[] => plan.keep.map((id) => `${id.slice(5, 10)} ${plan.reasons.get(id)}`);

describe("planGfsRetention: examples (the tables in docs/retention.md)", () => {
  it("a steady schedule, on Monday 2025-06-30: 7 days, the Sundays of the 4 weeks before, 3 month ends", () => {
    expect(kept(planGfsRetention(nightly("2024-10-01", "2025-06-30")))).toEqual([
      "06-30 daily", "06-29 daily", "06-28 daily", "06-27 daily", "06-26 daily", "06-25 daily", "06-24 daily",
      "06-22 weekly", "06-15 weekly", "06-08 weekly", "06-01 weekly",
      "05-31 monthly", "04-30 monthly", "03-31 monthly",
    ]);
  });

  it("early in a month, the last month's end is kept as a monthly even though it is newer than the weeklies", () => {
    // 2025-03-08 is a Saturday. February's last backup (Fri 02-28) is not the last of its week (that is
    // Sunday 03-02, a daily), so it is not already kept: February's monthly slot takes it.
    expect(kept(planGfsRetention(nightly("2024-10-01", "2025-03-08")))).toEqual([
      "03-08 daily", "03-07 daily", "03-06 daily", "03-05 daily", "03-04 daily", "03-03 daily", "03-02 daily",
      "02-28 monthly", "02-23 weekly", "02-16 weekly", "02-09 weekly", "02-02 weekly",
      "01-31 monthly", "12-31 monthly",
    ]);
  });

  it("failed nights: the dailies are the last 7 days that have a backup, and a week they reach into is covered", () => {
    const failed = ["2025-06-21", "2025-06-22", "2025-06-27", "2025-06-28"];
    // The oldest daily (06-20) is in the week of 06-16, so that week is covered; the weeklies start before it.
    expect(kept(planGfsRetention(nightly("2024-10-01", "2025-06-30", failed)))).toEqual([
      "06-30 daily", "06-29 daily", "06-26 daily", "06-25 daily", "06-24 daily", "06-23 daily", "06-20 daily",
      "06-15 weekly", "06-08 weekly", "06-01 weekly", "05-31 monthly", "05-25 weekly",
      "04-30 monthly", "03-31 monthly",
    ]);
  });

  it("several snapshots in a day (retries, a second run): only the day's last one counts", () => {
    const day = [at("2025-06-30T03:00:00Z"), at("2025-06-30T04:00:00Z"), at("2025-06-30T22:15:00Z")];
    const plan = planGfsRetention([...nightly("2025-06-20", "2025-06-29"), ...day]);
    expect(plan.keep[0]).toBe("2025-06-30T22:15:00Z");
    expect(plan.remove).toEqual(expect.arrayContaining(["2025-06-30T03:00:00Z", "2025-06-30T04:00:00Z"]));
    expect(kept(plan).slice(0, 7).every((k) => k.endsWith("daily"))).toBe(true);
  });

  it("a week whose last backup is a daily is passed over, not represented by an older backup of that week", () => {
    // Wednesday 2025-06-25: the dailies reach back to Thursday 06-19. The week of 06-16 ends with a
    // daily (06-22), so Monday to Wednesday of that week are not kept as its weekly.
    const plan = planGfsRetention(nightly("2025-04-01", "2025-06-25"));
    expect(plan.remove).toEqual(expect.arrayContaining(["2025-06-16", "2025-06-17", "2025-06-18"]));
    expect(kept(plan).filter((k) => k.endsWith("weekly"))).toEqual(["06-15 weekly", "06-08 weekly", "06-01 weekly", "05-25 weekly"]);
  });

  it("keeps everything while there are fewer backups than slots would cover", () => {
    const week = nightly("2025-06-24", "2025-06-30");
    expect(planGfsRetention(week).remove).toEqual([]);
    expect(planGfsRetention([]).keep).toEqual([]);
  });

  it("a VM whose backups stopped for months keeps what it had: the rule counts backups, not calendar time", () => {
    const before = planGfsRetention(nightly("2024-10-01", "2025-01-31"));
    const resumed = planGfsRetention([...before.keep.map((id) => ({ id, createdAt: new Date(`${id}T03:00:00Z`) })), ...nightly("2025-06-01", "2025-06-01")]);
    // One new backup after four silent months costs exactly one old snapshot: the oldest daily, whose
    // week and month are still represented by newer dailies.
    expect(before.remove).not.toContain("2025-01-25");
    expect(resumed.remove).toEqual(["2025-01-25"]);
    expect(resumed.reasons.get("2025-06-01")).toBe("daily");
  });

  it("does not depend on input order; equal times are ordered by id", () => {
    const snaps = [...nightly("2025-01-01", "2025-06-30"), { id: "zz-tie", createdAt: new Date("2025-06-30T03:00:00Z") }];
    const plan = planGfsRetention(snaps);
    expect(planGfsRetention([...snaps].reverse())).toEqual(plan);
    expect(plan.keep[0]).toBe("zz-tie");
    expect(plan.remove).toContain("2025-06-30");
  });

  it("refuses input it would have to guess about, so nothing is deleted", () => {
    const one = at("2025-06-30T03:00:00Z");
    expect(() => planGfsRetention([one, one])).toThrow(/duplicate id/);
    expect(() => planGfsRetention([{ id: "x", createdAt: new Date(Number.NaN) }])).toThrow(/invalid createdAt/);
  });
});

// Arbitrary histories: snapshots in the order they were taken, each one a gap after the last. Gaps mix
// minutes (retries, two runs a day), about a day (nightly), and days to weeks (failed nights, a VM that
// was off), so days with several snapshots, missing days, weeks and months are all common. A later
// snapshot gets a larger id, so equal times (gap 0) still order as taken.
const START = Date.parse("2024-11-28T03:00:00Z");
const gapArb = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 6 * 60 }) },
  { weight: 6, arbitrary: fc.integer({ min: 23 * 60, max: 25 * 60 }) },
  { weight: 2, arbitrary: fc.integer({ min: 2 * 24 * 60, max: 40 * 24 * 60 }) },
);
const historyArb: fc.Arbitrary<GfsSnapshot[]> = fc.array(gapArb, { maxLength: 150 }).map((gaps) => {
  let t = START;
  return gaps.map((gap, i) => {
    t += gap * 60_000;
    return { id: `s${String(i).padStart(4, "0")}`, createdAt: new Date(t) };
  });
});
const shuffledArb = historyArb.chain((history) => fc.shuffledSubarray(history, { minLength: history.length }));

describe("planGfsRetention: invariants", () => {
  it("keep and remove partition the input: disjoint, no duplicates, union = input", () => {
    fc.assert(
      fc.property(shuffledArb, (snaps) => {
        const { keep, remove, reasons } = planGfsRetention(snaps);
        const all = [...keep, ...remove];
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual(snaps.map((s) => s.id).sort());
        expect([...reasons.keys()].sort()).toEqual([...keep].sort());
      }),
    );
  });

  it("keeps at most 7 daily, 4 weekly and 3 monthly, so never more than 14", () => {
    fc.assert(
      fc.property(shuffledArb, (snaps) => {
        const { keep, reasons } = planGfsRetention(snaps);
        expect(keep.length).toBeLessThanOrEqual(14);
        for (const [tier, slots] of Object.entries(GFS_SLOTS)) {
          expect([...reasons.values()].filter((r) => r === tier).length).toBeLessThanOrEqual(slots);
        }
      }),
    );
  });

  it("always keeps the newest snapshot, as a daily", () => {
    fc.assert(
      fc.property(historyArb.filter((h) => h.length > 0), (history) => {
        const newest = history.at(-1)!;
        const plan = planGfsRetention(history);
        expect(plan.keep[0]).toBe(newest.id);
        expect(plan.reasons.get(newest.id)).toBe("daily");
      }),
    );
  });

  it("matches the rule as the doc words it (an independent oracle)", () => {
    fc.assert(
      fc.property(shuffledArb, (snaps) => {
        expect(planGfsRetention(snaps).reasons).toEqual(gfsOracle(snaps));
      }),
    );
  });

  it("is idempotent: planning again over what was kept removes nothing and keeps the same tiers", () => {
    fc.assert(
      fc.property(shuffledArb, (snaps) => {
        const plan = planGfsRetention(snaps);
        const again = planGfsRetention(snaps.filter((s) => plan.reasons.has(s.id)));
        expect(again.remove).toEqual([]);
        expect(again.reasons).toEqual(plan.reasons);
      }),
    );
  });

  it("does not depend on the order the snapshots are listed in", () => {
    fc.assert(
      fc.property(shuffledArb, (snaps) => {
        expect(planGfsRetention([...snaps].reverse())).toEqual(planGfsRetention(snaps));
      }),
    );
  });

  it("is stable night after night: pruning after every snapshot keeps exactly what the rule keeps over all of history", () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        let survivors: GfsSnapshot[] = [];
        const removed = new Set<string>();
        history.forEach((snapshot, i) => {
          const plan = planGfsRetention([...survivors, snapshot]);
          for (const id of plan.remove) removed.add(id);
          survivors = [...survivors, snapshot].filter((s) => plan.reasons.has(s.id));
          const wholeHistory = planGfsRetention(history.slice(0, i + 1));
          expect(plan.reasons).toEqual(wholeHistory.reasons);
          // So a snapshot once removed is never one the rule wants back.
          for (const id of wholeHistory.keep) expect(removed.has(id)).toBe(false);
        });
      }),
    );
  });

  it("doesn't flap: a snapshot leaves its tier only when the night's new one takes its bucket, or the tier is full of newer ones", () => {
    const bucketOf = { daily: utcDay, weekly: utcIsoWeek, monthly: utcMonth } as const;
    const time = (history: GfsSnapshot[], id: string): number => history.find((s) => s.id === id)!.createdAt.getTime();
    fc.assert(
      fc.property(historyArb, (history) => {
        let survivors: GfsSnapshot[] = [];
        let yesterday = new Map<string, GfsReason>();
        for (const snapshot of history) {
          const today = planGfsRetention([...survivors, snapshot]);
          for (const [id, tier] of yesterday) {
            if (today.reasons.get(id) === tier) continue;
            const superseded = bucketOf[tier](snapshot.createdAt.getTime()) === bucketOf[tier](time(history, id));
            const newerInTier = today.keep.filter((k) => today.reasons.get(k) === tier && time(history, k) > time(history, id));
            expect(superseded || newerInTier.length === GFS_SLOTS[tier], `${id} left ${tier}`).toBe(true);
          }
          survivors = [...survivors, snapshot].filter((s) => today.reasons.has(s.id));
          yesterday = new Map(today.reasons);
        }
      }),
    );
  });
});

// 400 UTC nights of the hosted product: the nightly job succeeds or fails, sometimes twice in a night,
// sometimes not for a week or two, and retention prunes after every success, as the control plane does.
// Every night the survivors are compared with an independent oracle applied to the whole history (every
// snapshot ever taken), so pruning as we go must give the same answer as the rule would with hindsight.
import { describe, expect, it } from "vitest";
import { gfsOracle } from "./gfs-oracle.ts";
import { planGfsRetention } from "./plan-gfs-retention.ts";
import type { GfsReason, GfsSnapshot } from "./plan-gfs-retention.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.parse("2025-01-01T03:00:00Z");

/** mulberry32: a small seeded PRNG, so every run (and every failure) replays exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Options {
  nights: number;
  seed: number;
  /** Chance a night fails outright (all seven attempts). */
  failure: number;
  /** Chance a night starts an outage of 3–20 nights (the VM was off). */
  outage: number;
  /** Chance a successful night has a second snapshot later that day. */
  double: number;
}

interface NightResult {
  night: number;
  survivors: ReadonlyMap<string, GfsReason>;
  history: readonly GfsSnapshot[];
  removedEver: ReadonlySet<string>;
}

/** Runs the nights and calls `check` after each one that produced a snapshot. */
function simulate(options: Options, check: (result: NightResult) => void): { failedNights: number; doubles: number } {
  const rand = random(options.seed);
  const history: GfsSnapshot[] = [];
  const removedEver = new Set<string>();
  let survivors: GfsSnapshot[] = [];
  let outageLeft = 0;
  let failedNights = 0;
  let doubles = 0;
  for (let night = 0; night < options.nights; night += 1) {
    if (outageLeft === 0 && rand() < options.outage) outageLeft = 3 + Math.floor(rand() * 18);
    if (outageLeft > 0 || rand() < options.failure) {
      outageLeft = Math.max(0, outageLeft - 1);
      failedNights += 1;
      continue;
    }
    // The hourly retries: most nights succeed on the first attempt at 03:00, some on a later one.
    const attempt = rand() < 0.8 ? 0 : 1 + Math.floor(rand() * 6);
    const first = START + night * DAY + attempt * HOUR + Math.floor(rand() * 50) * 60_000;
    const taken = [first];
    if (rand() < options.double) {
      taken.push(first + (1 + Math.floor(rand() * 12)) * HOUR);
      doubles += 1;
    }
    for (const t of taken) {
      const snapshot = { id: `n${String(night).padStart(3, "0")}-${new Date(t).toISOString()}`, createdAt: new Date(t) };
      history.push(snapshot);
      const plan = planGfsRetention([...survivors, snapshot]);
      for (const id of plan.remove) removedEver.add(id);
      survivors = [...survivors, snapshot].filter((s) => plan.reasons.has(s.id));
      check({ night, survivors: plan.reasons, history, removedEver });
    }
  }
  return { failedNights, doubles };
}

describe("GFS retention over 400 nights", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: 20% failed nights, outages, double nights — the survivors are what the rule keeps over all of history`, () => {
      let checks = 0;
      const stats = simulate({ nights: 400, seed, failure: 0.2, outage: 0.02, double: 0.1 }, ({ night, survivors, history, removedEver }) => {
        const expected = gfsOracle(history);
        expect(survivors, `night ${night}`).toEqual(expected);
        expect(survivors.size).toBeLessThanOrEqual(14);
        expect(survivors.has(history.at(-1)!.id)).toBe(true);
        for (const id of expected.keys()) expect(removedEver.has(id), `night ${night}: ${id} was removed but the rule wants it`).toBe(false);
        checks += 1;
      });
      // The randomness really exercised what it is meant to.
      expect(stats.failedNights).toBeGreaterThan(60);
      expect(stats.doubles).toBeGreaterThan(10);
      expect(checks).toBeGreaterThan(200);
    });
  }

  it("a year without failures: exactly 14 kept every night (7 days, 4 Sundays, 3 month ends), spanning 66 to 126 days", () => {
    let last: NightResult | undefined;
    simulate({ nights: 365, seed: 1, failure: 0, outage: 0, double: 0 }, (result) => {
      last = result;
      if (result.night < 130) return;
      const { survivors, history } = result;
      const dates = new Map(history.map((s) => [s.id, s.createdAt]));
      const kept = [...survivors].map(([id, reason]) => ({ at: dates.get(id)!, reason }));
      expect(kept).toHaveLength(14);
      const of = (reason: GfsReason) => kept.filter((k) => k.reason === reason).map((k) => k.at);
      expect(of("daily")).toHaveLength(7);
      expect(of("weekly").every((d) => d.getUTCDay() === 0)).toBe(true);
      expect(of("weekly")).toHaveLength(4);
      expect(of("monthly").every((d) => new Date(d.getTime() + DAY).getUTCDate() === 1)).toBe(true);
      expect(of("monthly")).toHaveLength(3);
      const days = kept.map((k) => Math.floor(k.at.getTime() / DAY));
      const spanDays = Math.max(...days) - Math.min(...days);
      expect(spanDays).toBeGreaterThanOrEqual(66);
      expect(spanDays).toBeLessThanOrEqual(126);
    });
    // New Year's Eve 2025 (a Wednesday).
    const dates = [...last!.survivors].map(([id, reason]) => `${id.slice(10, 15)} ${reason}`);
    expect(dates.sort()).toEqual([
      "08-31 monthly", "09-30 monthly", "10-31 monthly",
      "11-30 weekly", "12-07 weekly", "12-14 weekly", "12-21 weekly",
      "12-25 daily", "12-26 daily", "12-27 daily", "12-28 daily", "12-29 daily", "12-30 daily", "12-31 daily",
    ]);
  });
});

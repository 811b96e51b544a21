import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planRetention } from "./plan-retention.ts";
import type { PlanRetentionInput, RetentionBackup } from "./plan-retention.ts";

const DAY = 86_400_000;
const NOW = new Date("2025-06-30T12:00:00Z");
const daysAgo = (key: string, days: number): RetentionBackup => ({ key, createdAt: new Date(NOW.getTime() - days * DAY) });

describe("planRetention: examples", () => {
  const week = [0, 1, 2, 3, 4, 5, 6].map((d) => daysAgo(`d${d}`, d));

  it("keeps everything when no rule is set", () => {
    expect(planRetention({ backups: week, now: NOW })).toEqual({ keep: week.map((b) => b.key), remove: [] });
  });

  it("keeps the newest maxBackups, whatever order the store listed them in", () => {
    expect(planRetention({ backups: [...week].reverse(), maxBackups: 3, now: NOW })).toEqual({
      keep: ["d0", "d1", "d2"],
      remove: ["d3", "d4", "d5", "d6"],
    });
  });

  it("removes backups older than maxAgeDays, keeping one exactly at the limit", () => {
    expect(planRetention({ backups: week, maxAgeDays: 4, now: NOW })).toEqual({
      keep: ["d0", "d1", "d2", "d3", "d4"],
      remove: ["d5", "d6"],
    });
  });

  it("applies the age rule before the count rule", () => {
    const sparse = [daysAgo("new", 1), daysAgo("old1", 40), daysAgo("old2", 50)];
    expect(planRetention({ backups: sparse, maxBackups: 3, maxAgeDays: 30, now: NOW })).toEqual({
      keep: ["new"],
      remove: ["old1", "old2"],
    });
  });

  it("never removes a protected key, and lets it take one of the slots", () => {
    const plan = planRetention({ backups: week, maxBackups: 2, maxAgeDays: 3, now: NOW, protect: ["d6"] });
    expect(plan).toEqual({ keep: ["d0", "d6"], remove: ["d1", "d2", "d3", "d4", "d5"] });
  });

  it("keeps the newest backup when every backup is older than maxAgeDays", () => {
    const stale = [daysAgo("a", 90), daysAgo("b", 60), daysAgo("c", 120)];
    expect(planRetention({ backups: stale, maxAgeDays: 30, now: NOW })).toEqual({ keep: ["b"], remove: ["a", "c"] });
  });

  it("returns an empty plan for no backups", () => {
    expect(planRetention({ backups: [], maxBackups: 1, now: NOW })).toEqual({ keep: [], remove: [] });
  });

  it("refuses input it would have to guess about, so nothing is deleted", () => {
    expect(() => planRetention({ backups: week, maxBackups: 0, now: NOW })).toThrow(RangeError);
    expect(() => planRetention({ backups: week, maxAgeDays: 1.5, now: NOW })).toThrow(RangeError);
    expect(() => planRetention({ backups: [week[0]!, week[0]!], now: NOW })).toThrow(/duplicate key/);
    expect(() => planRetention({ backups: [{ key: "x", createdAt: new Date(Number.NaN) }], now: NOW })).toThrow(
      /invalid createdAt/,
    );
  });
});

// Arbitrary inputs: up to 40 backups from 400 days before `now` to 2 days after it (a few in the future, as a skewed clock
// produces), optional rules, and a protect list mixing listed keys with keys the store does not have.
// Hour granularity makes equal timestamps and backups exactly at the age limit common, not one in 2^40.
const HOUR = 3_600_000;
const MIN = NOW.getTime() - 400 * DAY;
const backupsArb = fc.uniqueArray(
  fc.record({
    key: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    createdAt: fc.integer({ min: 0, max: 402 * 24 }).map((h) => new Date(MIN + h * HOUR)),
  }),
  { selector: (b) => b.key, maxLength: 40 },
);
const inputArb: fc.Arbitrary<PlanRetentionInput> = backupsArb.chain((backups) =>
  fc.record({
    backups: fc.constant(backups),
    maxBackups: fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
    maxAgeDays: fc.option(fc.integer({ min: 1, max: 450 }), { nil: undefined }),
    now: fc.constant(NOW),
    protect: fc.tuple(fc.subarray(backups.map((b) => b.key), { maxLength: Math.min(3, backups.length) }), fc.array(fc.constant("missing"), { maxLength: 1 })).map(
      ([listed, unknown]) => [...listed, ...unknown],
    ),
  }),
);

const time = (input: PlanRetentionInput, key: string) => input.backups.find((b) => b.key === key)!.createdAt.getTime();

describe("planRetention: invariants", () => {
  it("keep and remove partition the input: disjoint, no duplicates, union = input", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep, remove } = planRetention(input);
        const all = [...keep, ...remove];
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual(input.backups.map((b) => b.key).sort());
      }),
    );
  });

  it("always keeps every protected key that is listed", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep } = planRetention(input);
        for (const key of input.protect ?? []) if (input.backups.some((b) => b.key === key)) expect(keep).toContain(key);
      }),
    );
  });

  it("never removes everything", () => {
    fc.assert(fc.property(inputArb, (input) => input.backups.length === 0 || planRetention(input).keep.length > 0));
  });

  it("keeps at most max(maxBackups, listed protected keys)", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (input.maxBackups === undefined) return;
        const listedProtected = input.backups.filter((b) => input.protect?.includes(b.key)).length;
        expect(planRetention(input).keep.length).toBeLessThanOrEqual(Math.max(input.maxBackups, listedProtected));
      }),
    );
  });

  it("keeps nothing older than maxAgeDays unless it is protected or the sole survivor", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (input.maxAgeDays === undefined) return;
        const { keep } = planRetention(input);
        const cutoff = NOW.getTime() - input.maxAgeDays * DAY;
        for (const key of keep) {
          if (time(input, key) >= cutoff || input.protect?.includes(key)) continue;
          expect(keep).toEqual([key]);
          expect(Math.max(...input.backups.map((b) => b.createdAt.getTime()))).toBe(time(input, key));
        }
      }),
    );
  });

  it("prefers newer backups: no removed backup is newer than a kept unprotected one", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep, remove } = planRetention(input);
        const keptUnprotected = keep.filter((k) => !input.protect?.includes(k)).map((k) => time(input, k));
        if (keptUnprotected.length === 0) return;
        const oldestKept = Math.min(...keptUnprotected);
        for (const key of remove) expect(time(input, key)).toBeLessThanOrEqual(oldestKept);
      }),
    );
  });

  it("removes nothing when no rule is set", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(planRetention({ ...input, maxBackups: undefined, maxAgeDays: undefined }).remove).toEqual([]);
      }),
    );
  });

  it("is idempotent: planning again over what was kept removes nothing", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep } = planRetention(input);
        const again = planRetention({ ...input, backups: input.backups.filter((b) => keep.includes(b.key)) });
        expect(again.remove).toEqual([]);
      }),
    );
  });

  it("does not depend on the order the store listed backups in", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(planRetention({ ...input, backups: [...input.backups].reverse() })).toEqual(planRetention(input));
      }),
    );
  });

  it("raising maxBackups never removes a backup that was kept", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (input.maxBackups === undefined) return;
        const before = planRetention(input).keep;
        const after = planRetention({ ...input, maxBackups: input.maxBackups + 1 }).keep;
        for (const key of before) expect(after).toContain(key);
      }),
    );
  });
});

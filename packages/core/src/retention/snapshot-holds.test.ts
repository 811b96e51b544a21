import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expiredHolds, HOLD_DAYS, holdUntil } from "./snapshot-holds.ts";
import type { HeldKind, HeldSnapshot } from "./snapshot-holds.ts";

const TAKEN = new Date("2025-06-30T03:00:00Z");

describe("holdUntil", () => {
  it("holds a final backup 90 days, an export 7, a pre-restore snapshot 30, to the millisecond", () => {
    expect(holdUntil("final", TAKEN)).toEqual(new Date("2025-09-28T03:00:00Z"));
    expect(holdUntil("export", TAKEN)).toEqual(new Date("2025-07-07T03:00:00Z"));
    expect(holdUntil("pre-restore", TAKEN)).toEqual(new Date("2025-07-30T03:00:00Z"));
  });

  it("gives nightly snapshots no hold: the GFS rule decides when they go", () => {
    expect(holdUntil("nightly", TAKEN)).toBeUndefined();
  });

  it("refuses an invalid date rather than holding until NaN", () => {
    expect(() => holdUntil("final", new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("expiredHolds", () => {
  const held = (id: string, kind: HeldSnapshot["kind"], until?: string): HeldSnapshot => ({
    id, kind, holdUntil: until === undefined ? undefined : new Date(until),
  });

  it("lists held snapshots whose hold ended at or before now, and nothing else", () => {
    const now = new Date("2025-09-28T03:00:00Z");
    const snapshots = [
      held("final-due", "final", "2025-09-28T03:00:00Z"),
      held("final-tomorrow", "final", "2025-09-29T03:00:00Z"),
      held("export-old", "export", "2025-07-07T03:00:00Z"),
      held("pre-restore-open", "pre-restore"),
      held("nightly", "nightly", "2020-01-01T00:00:00Z"),
    ];
    expect(expiredHolds(snapshots, now)).toEqual(["final-due", "export-old"]);
  });

  it("a snapshot made now expires exactly HOLD_DAYS later, not a millisecond before", () => {
    const kindArb = fc.constantFrom<HeldKind>("final", "export", "pre-restore");
    const timeArb = fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2040-01-01") }).map((t) => new Date(t));
    fc.assert(
      fc.property(kindArb, timeArb, (kind, createdAt) => {
        const snapshot: HeldSnapshot = { id: "s", kind, holdUntil: holdUntil(kind, createdAt) };
        const end = createdAt.getTime() + HOLD_DAYS[kind] * 86_400_000;
        expect(expiredHolds([snapshot], new Date(end - 1))).toEqual([]);
        expect(expiredHolds([snapshot], new Date(end))).toEqual(["s"]);
      }),
    );
  });

  it("refuses an invalid now", () => {
    expect(() => expiredHolds([], new Date(Number.NaN))).toThrow(RangeError);
  });
});

// Test-only: the GFS rule of docs/retention.md restated as plainly as possible, to check
// planGfsRetention against. Written differently on purpose: calendar buckets are ISO date strings (a
// week is named by its Monday), each bucket's last snapshot is found by brute force, and the weekly
// tier uses the doc's second formulation ("the weeks before the week of the oldest daily") instead
// of the implementation's "pass over weeks whose last snapshot is already kept".
import type { GfsReason, GfsSnapshot } from "./plan-gfs-retention.ts";

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);
const monthOf = (d: Date): string => d.toISOString().slice(0, 7);
const mondayOf = (d: Date): string => {
  const daysSinceMonday = (d.getUTCDay() + 6) % 7;
  return dayOf(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - daysSinceMonday)));
};

const isNewer = (a: GfsSnapshot, b: GfsSnapshot): boolean =>
  a.createdAt.getTime() > b.createdAt.getTime() || (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id);

/** Every bucket that has a snapshot, newest bucket first, each with its last snapshot. */
function lastPerBucket(snapshots: readonly GfsSnapshot[], bucketOf: (d: Date) => string): { bucket: string; last: GfsSnapshot }[] {
  const members = new Map<string, GfsSnapshot[]>();
  for (const s of snapshots) {
    const bucket = bucketOf(s.createdAt);
    members.set(bucket, [...(members.get(bucket) ?? []), s]);
  }
  return [...members.keys()].sort().reverse().map((bucket) => {
    const inBucket = members.get(bucket) ?? [];
    const last = inBucket.find((candidate) => inBucket.every((other) => other === candidate || isNewer(candidate, other)));
    if (!last) throw new Error(`oracle: no last snapshot in ${bucket}`);
    return { bucket, last };
  });
}

/** The kept ids and their tiers, by the rule as docs/retention.md words it. */
export function gfsOracle(snapshots: readonly GfsSnapshot[]): Map<string, GfsReason> {
  const kept = new Map<string, GfsReason>();
  const days = lastPerBucket(snapshots, dayOf).slice(0, 7);
  for (const { last } of days) kept.set(last.id, "daily");

  const oldestDaily = days.at(-1);
  if (oldestDaily) {
    const boundary = mondayOf(oldestDaily.last.createdAt);
    const weeks = lastPerBucket(snapshots, mondayOf).filter(({ bucket }) => bucket < boundary).slice(0, 4);
    for (const { last } of weeks) kept.set(last.id, "weekly");
  }

  const months = lastPerBucket(snapshots, monthOf).filter(({ last }) => !kept.has(last.id)).slice(0, 3);
  for (const { last } of months) kept.set(last.id, "monthly");
  return kept;
}

// The hosted product's retention rule for nightly snapshots: 7 daily + 4 weekly + 3 monthly, distinct
// (docs/retention.md). Every calendar bucket (UTC day, Monday-based week, month) is represented by its
// last snapshot. Each tier walks its buckets from newest to oldest and keeps a bucket's last snapshot,
// until it has kept its count; a bucket whose last snapshot an earlier tier already kept is passed
// over without using a slot. Everything not kept is removed.
//
// Why "passed over" and not "take the bucket's next older snapshot": a bucket's last snapshot is the
// one that survives longest, so every snapshot the rule keeps was kept every night since it was made.
// Planning over the survivors therefore gives the same answer as planning over every snapshot ever
// taken, and a snapshot a plan removes is never one a later plan would want (property-tested, and
// checked night by night against an independent oracle in gfs-simulation.test.ts).
//
// There is no `now`: the tiers count buckets that have snapshots, not calendar time, so a VM whose
// backups stopped for a month keeps what it had instead of aging it all out.
import { utcDay, utcIsoWeek, utcMonth } from "./utc-calendar.ts";

/** Why a snapshot is kept: the tier whose slot it fills. */
export type GfsReason = "daily" | "weekly" | "monthly";

export interface GfsSnapshot {
  id: string;
  createdAt: Date;
}

export interface GfsPlan {
  /** Ids to keep, newest first. */
  keep: string[];
  /** Ids to delete, newest first. */
  remove: string[];
  /** The tier of every kept id. */
  reasons: ReadonlyMap<string, GfsReason>;
}

/** Slots per tier; at most 7 + 4 + 3 = 14 snapshots are kept. */
export const GFS_SLOTS: Readonly<Record<GfsReason, number>> = { daily: 7, weekly: 4, monthly: 3 };

const TIERS: readonly { reason: GfsReason; bucket: (ms: number) => number }[] = [
  { reason: "daily", bucket: utcDay },
  { reason: "weekly", bucket: utcIsoWeek },
  { reason: "monthly", bucket: utcMonth },
];

/** Splits a VM's successful nightly snapshots into keep/remove by the 7 daily + 4 weekly + 3 monthly rule. */
export function planGfsRetention(snapshots: readonly GfsSnapshot[]): GfsPlan {
  assertSnapshots(snapshots);
  const newestFirst = [...snapshots].sort(newestFirstOrder);
  const reasons = new Map<string, GfsReason>();
  for (const { reason, bucket } of TIERS) {
    let slots = GFS_SLOTS[reason];
    let previous: number | undefined;
    for (const snapshot of newestFirst) {
      if (slots === 0) break;
      const current = bucket(snapshot.createdAt.getTime());
      // Newest first, so the first snapshot seen in a bucket is its last one; the rest never count.
      if (current === previous) continue;
      previous = current;
      if (reasons.has(snapshot.id)) continue;
      reasons.set(snapshot.id, reason);
      slots -= 1;
    }
  }
  // The newest snapshot is its day's last and the daily tier's first pick, so it is always kept.
  return {
    keep: newestFirst.filter((s) => reasons.has(s.id)).map((s) => s.id),
    remove: newestFirst.filter((s) => !reasons.has(s.id)).map((s) => s.id),
    reasons,
  };
}

// Newest first; equal times are ordered by id (the larger id counts as newer), never by input order.
function newestFirstOrder(a: GfsSnapshot, b: GfsSnapshot): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

// Bad input throws instead of guessing: a thrown plan deletes nothing, a guessed one might delete too much.
function assertSnapshots(snapshots: readonly GfsSnapshot[]): void {
  const seen = new Set<string>();
  for (const snapshot of snapshots) {
    if (seen.has(snapshot.id)) throw new RangeError(`planGfsRetention: duplicate id ${snapshot.id}`);
    seen.add(snapshot.id);
    if (Number.isNaN(snapshot.createdAt.getTime())) {
      throw new RangeError(`planGfsRetention: ${snapshot.id} has an invalid createdAt`);
    }
  }
}

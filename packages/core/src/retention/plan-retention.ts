// The self-hosted retention rule. The hosted product's GFS rule (7 daily + 4 weekly + 3 monthly) is a
// separate function; self-hosted users asked for the two knobs every backup tool has: a count and an age.

export interface RetentionBackup {
  key: string;
  createdAt: Date;
}

export interface PlanRetentionInput {
  backups: readonly RetentionBackup[];
  /** Keep at most this many (protected keys count towards it). Positive integer; omitted → no count rule. */
  maxBackups?: number;
  /** Remove backups older than this many days. Positive integer; omitted → no age rule. */
  maxAgeDays?: number;
  now: Date;
  /** Keys never removed, typically the backup just made (so a slow clock can never prune it). */
  protect?: readonly string[];
}

export interface RetentionPlan {
  /** Keys to keep, newest first. */
  keep: string[];
  /** Keys to delete, newest first. */
  remove: string[];
}

const DAY_MS = 86_400_000;

// Invariants (property-tested in plan-retention.test.ts): keep and remove partition the input; protected
// keys are kept; a non-empty input keeps at least one; |keep| ≤ max(maxBackups, listed protected keys);
// no removed backup is newer than a kept unprotected one; planning again over `keep` removes nothing.

/** Splits backups into keep/remove by age then count, never removing a protected key or the last backup. */
export function planRetention(input: PlanRetentionInput): RetentionPlan {
  const { backups, maxBackups, maxAgeDays, now } = input;
  assertInput(input);
  const isProtected = new Set(input.protect ?? []);
  const newestFirst = [...backups].sort(newestFirstOrder);

  // Age first, so an old backup cannot hold one of the maxBackups slots a newer one needs.
  const cutoff = maxAgeDays === undefined ? Number.NEGATIVE_INFINITY : now.getTime() - maxAgeDays * DAY_MS;
  const young = newestFirst.filter((b) => b.createdAt.getTime() >= cutoff || isProtected.has(b.key));

  let kept = young;
  if (maxBackups !== undefined) {
    // Protected keys take their slots first; the newest unprotected ones fill whatever is left.
    let freeSlots = maxBackups - young.filter((b) => isProtected.has(b.key)).length;
    kept = young.filter((b) => isProtected.has(b.key) || freeSlots-- > 0);
  }

  // An agent that was switched off for longer than maxAgeDays must not wake up and delete its only
  // copies: the newest backup survives whatever the rules say.
  if (kept.length === 0 && newestFirst.length > 0) kept = [newestFirst[0]!];

  const keepKeys = new Set(kept.map((b) => b.key));
  return {
    keep: kept.map((b) => b.key),
    remove: newestFirst.filter((b) => !keepKeys.has(b.key)).map((b) => b.key),
  };
}

// Ties on createdAt are broken by key so the plan never depends on the order a store listed objects in.
function newestFirstOrder(a: RetentionBackup, b: RetentionBackup): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}

// Bad input throws instead of guessing: a thrown plan deletes nothing, a guessed one might delete too much.
function assertInput({ backups, maxBackups, maxAgeDays, now }: PlanRetentionInput): void {
  if (Number.isNaN(now.getTime())) throw new RangeError("planRetention: now is an invalid Date");
  for (const [name, value] of [["maxBackups", maxBackups], ["maxAgeDays", maxAgeDays]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new RangeError(`planRetention: ${name} must be a positive integer, got ${value}`);
    }
  }
  const seen = new Set<string>();
  for (const backup of backups) {
    if (seen.has(backup.key)) throw new RangeError(`planRetention: duplicate key ${backup.key}`);
    seen.add(backup.key);
    if (Number.isNaN(backup.createdAt.getTime())) {
      throw new RangeError(`planRetention: ${backup.key} has an invalid createdAt`);
    }
  }
}

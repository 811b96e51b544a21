// Holds: how long the snapshot kinds outside the nightly rotation are kept (issue #5): a final backup,
// taken when a VM is deleted, 90 days (the window in which resubscribing restores it); an export, the
// file behind the emailed 24-hour link, 7 days; a pre-restore safety snapshot, support's way back from a
// restore that went wrong, 30 days. Nightly snapshots have no hold: the GFS rule decides when they go.

/** Snapshot kinds kept for a fixed time rather than by the nightly rotation. */
export type HeldKind = "final" | "export" | "pre-restore";

/** Days each held kind is kept after it was taken. */
export const HOLD_DAYS: Readonly<Record<HeldKind, number>> = { final: 90, export: 7, "pre-restore": 30 };

const DAY_MS = 86_400_000;

export interface HeldSnapshot {
  id: string;
  kind: HeldKind | "nightly";
  /** The row's hold, the authority (support may have extended it); undefined means no hold ends. */
  holdUntil: Date | undefined;
}

/** When a snapshot of `kind` taken at `createdAt` may be deleted; undefined for nightly snapshots. */
export function holdUntil(kind: HeldKind | "nightly", createdAt: Date): Date | undefined {
  if (Number.isNaN(createdAt.getTime())) throw new RangeError("holdUntil: createdAt is an invalid Date");
  if (kind === "nightly") return undefined;
  // Whole 24-hour days: UTC has no daylight saving, so "90 days" is exactly 90 × 24 h.
  return new Date(createdAt.getTime() + HOLD_DAYS[kind] * DAY_MS);
}

/** Ids of held snapshots whose hold ended at or before `now`; nightly snapshots and open-ended holds never appear. */
export function expiredHolds(snapshots: readonly HeldSnapshot[], now: Date): string[] {
  if (Number.isNaN(now.getTime())) throw new RangeError("expiredHolds: now is an invalid Date");
  return snapshots
    .filter((s) => s.kind !== "nightly" && s.holdUntil !== undefined && s.holdUntil.getTime() <= now.getTime())
    .map((s) => s.id);
}

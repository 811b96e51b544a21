// A backup night is a UTC calendar date, "YYYY-MM-DD": the night of 2026-11-22 is the one whose
// snapshots start at 03:00 UTC that day. Dates travel as strings (in payloads, job ids and the
// backup_nights table) so no time zone ever gets a say.
import * as z from "zod";

export const Night = z.iso.date();
export type Night = z.infer<typeof Night>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The night a moment belongs to: its UTC date. */
export function nightOf(moment: Date | number): Night {
  return new Date(moment).toISOString().slice(0, 10);
}

/** The night before `night` (the other half of "two failed nights in a row"). */
export function previousNight(night: Night): Night {
  return nightOf(Date.parse(`${night}T00:00:00Z`) - DAY_MS);
}

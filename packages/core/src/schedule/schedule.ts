// The Schedule value and its error. A Schedule is plain data (no cron-parser object inside) so it can be
// logged, compared in tests and sent over the wire; next-run.ts re-derives fire times from it on demand.

/** When backups run: every fixed interval, or on the fire times of a 5-field cron expression. */
export type Schedule =
  | {
      kind: "interval";
      /** The text the schedule was parsed from, trimmed (e.g. "6h"). */
      source: string;
      /** Milliseconds from the start of one run to the next. */
      everyMs: number;
    }
  | {
      kind: "cron";
      source: string;
      /** The five fields, separated by single spaces. */
      expression: string;
      /** IANA zone the fields are read in (e.g. "UTC", "Europe/Paris"). */
      timezone: string;
    };

/** Shortest accepted gap between two runs: anything tighter hammers the store and the VM. */
export const MIN_SCHEDULE_GAP_MS = 5 * 60_000;

/** Longest accepted interval; a larger number is almost certainly a typo (and would overflow Date). */
export const MAX_INTERVAL_MS = 52 * 7 * 24 * 3_600_000;

/** The sentence every schedule error ends with, so a user always sees both accepted forms. */
export const SCHEDULE_FORMS =
  'use a 5-field cron expression such as "0 3 * * *" (03:00 every day) or an interval such as ' +
  '"30m", "6h", "1d" or "2w" (between 5m and 52w)';

/** A schedule text or time zone that cannot be used; `code` is stable for scripts and docs. */
export class ScheduleError extends Error {
  readonly code = "E_SCHEDULE";
  override readonly name = "ScheduleError";
}

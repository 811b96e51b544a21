// The calendar buckets of the hosted retention rule, as integers: a day, an ISO week (Monday to
// Sunday) and a month, all in UTC. UTC because the nightly runs at 03:00 UTC and customers in every
// time zone must see the same answer; integers because comparing them is all the rule needs.

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, as whole days since 1970-01-01. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The Monday-based UTC week of an instant, as whole weeks since the week of 1970-01-01. */
export function utcIsoWeek(ms: number): number {
  // 1970-01-01 was a Thursday: three days later each block of seven starts on a Monday.
  return Math.floor((utcDay(ms) + 3) / 7);
}

/** The UTC calendar month of an instant, as year × 12 + month index. */
export function utcMonth(ms: number): number {
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

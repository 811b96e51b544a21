// Time zones are checked through Intl rather than cron-parser: cron-parser only notices a bad zone when it
// first computes a date ("CronDate: unhandled timestamp"), which is far from the typo that caused it.

/** True when `name` is an IANA time zone (or "UTC") this runtime can compute wall-clock times in. */
export function isTimeZone(name: string): boolean {
  if (name.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

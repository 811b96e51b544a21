import { nextCronFire } from "./next-cron-fire.ts";
import type { Schedule } from "./schedule.ts";

export interface NextRunInput {
  /** When the last run that counts happened (a success, for isDue), or null if there never was one. */
  lastRun: Date | null;
  now: Date;
}

// never run → now; interval → lastRun + interval; cron → the first fire time strictly after lastRun.
// A time already in the past is returned as `now`: the run is overdue and happens once, immediately.

/** When the next run is due, never earlier than `now`. */
export function nextRun(schedule: Schedule, { lastRun, now }: NextRunInput): Date {
  assertValidDate(now, "now");
  // A machine without any backup is the riskiest state it can be in, so the first run never waits for a
  // cron slot: installing the agent at 10:00 with "0 3 * * *" backs up at once, then at 03:00.
  if (lastRun === null) return new Date(now.getTime());
  assertValidDate(lastRun, "lastRun");

  // Counting from lastRun (not from now) is what makes missed slots catch up: an agent that was off at
  // 03:00 finds the 03:00 fire in the past when it wakes and runs immediately, once, not once per slot.
  const candidate =
    schedule.kind === "interval"
      ? new Date(lastRun.getTime() + schedule.everyMs)
      : nextCronFire(schedule.expression, schedule.timezone, lastRun);
  return candidate.getTime() < now.getTime() ? new Date(now.getTime()) : candidate;
}

function assertValidDate(value: Date, name: string): void {
  if (Number.isNaN(value.getTime())) throw new RangeError(`nextRun: ${name} is an invalid Date`);
}

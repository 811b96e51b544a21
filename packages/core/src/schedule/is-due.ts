import { nextRun } from "./next-run.ts";
import type { Schedule } from "./schedule.ts";

export interface IsDueInput {
  /** The last successful backup. Failures do not count, so a failed run stays due until one succeeds;
   * pacing retries (not hammering a broken store every tick) is the caller's job. */
  lastSuccess: Date | null;
  now: Date;
}

/** True when a backup is owed at `now`: none has ever succeeded, or the next slot after the last success has come. */
export function isDue(schedule: Schedule, { lastSuccess, now }: IsDueInput): boolean {
  return nextRun(schedule, { lastRun: lastSuccess, now }).getTime() <= now.getTime();
}

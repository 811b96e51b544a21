import { isTimeZone } from "./is-time-zone.ts";
import { nextCronFires } from "./next-cron-fire.ts";
import { MAX_INTERVAL_MS, MIN_SCHEDULE_GAP_MS, SCHEDULE_FORMS, ScheduleError } from "./schedule.ts";
import type { Schedule } from "./schedule.ts";

export interface ParseScheduleOptions {
  /** IANA zone a cron expression is read in; ignored by intervals but still checked. Default "UTC". */
  timezone?: string;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const INTERVAL = /^(\d{1,9})([mhdw])$/;

// cron-parser's "H" picks a random minute unless given a seed, so the same text would fire at different
// times on every parse; reject it rather than let `backup status` and the daemon disagree.
const HASHED_ITEM = /^H(\(\d+-\d+\))?(\/\d+)?$/;

// A fixed start for the density check keeps parseSchedule pure: the same text always gets the same verdict.
const DENSITY_FROM = new Date("2001-01-01T00:00:00Z");
// Minute and hour fields repeat daily, so 200 fires covers every intra-day gap of any schedule that fires
// at most 100 times a day, plus the midnight gaps of the first fire days.
const DENSITY_SAMPLES = 200;

/** Parses "30m"/"6h"/"1d"/"2w" or a 5-field cron expression; throws ScheduleError (E_SCHEDULE) otherwise. */
export function parseSchedule(text: string, options: ParseScheduleOptions = {}): Schedule {
  const timezone = options.timezone ?? "UTC";
  if (!isTimeZone(timezone)) {
    throw new ScheduleError(
      `unknown time zone "${timezone}" — use an IANA name such as "UTC", "Europe/Paris" or "America/New_York"`,
    );
  }
  const source = text.trim();
  if (source === "") throw new ScheduleError(`the schedule is empty — ${SCHEDULE_FORMS}`);

  const interval = INTERVAL.exec(source);
  if (interval) return parseInterval(source, Number(interval[1]), interval[2] as keyof typeof UNIT_MS);

  const fields = source.split(/\s+/);
  // One or two words ("daily", "6 h", "every 6h") are a mistyped interval, not a short cron line.
  if (fields.length < 3) throw new ScheduleError(`"${source}" is not a schedule — ${SCHEDULE_FORMS}`);
  return parseCron(source, fields, timezone);
}

function parseInterval(source: string, amount: number, unit: keyof typeof UNIT_MS): Schedule {
  const everyMs = amount * UNIT_MS[unit];
  if (everyMs < MIN_SCHEDULE_GAP_MS) {
    throw new ScheduleError(`"${source}" is shorter than 5m — ${SCHEDULE_FORMS}`);
  }
  if (everyMs > MAX_INTERVAL_MS) {
    throw new ScheduleError(`"${source}" is longer than 52w — ${SCHEDULE_FORMS}`);
  }
  return { kind: "interval", source, everyMs };
}

function parseCron(source: string, fields: string[], timezone: string): Schedule {
  if (fields.length !== 5) {
    throw new ScheduleError(
      `"${source}" has ${fields.length} fields but a cron expression has 5 ` +
        `(minute hour day-of-month month day-of-week) — ${SCHEDULE_FORMS}`,
    );
  }
  if (fields.some((field) => field.split(",").some((item) => HASHED_ITEM.test(item)))) {
    throw new ScheduleError(`"${source}" uses "H" (a random time), which is not supported — ${SCHEDULE_FORMS}`);
  }
  const expression = fields.join(" ");
  let fires: Date[];
  try {
    fires = nextCronFires(expression, timezone, DENSITY_FROM, DENSITY_SAMPLES);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScheduleError(`"${source}" is not a valid cron expression (${reason}) — ${SCHEDULE_FORMS}`);
  }
  if (fires.length === 0) {
    throw new ScheduleError(`"${source}" never fires — ${SCHEDULE_FORMS}`);
  }
  const gap = smallestGapMs(fires);
  if (gap < MIN_SCHEDULE_GAP_MS) {
    throw new ScheduleError(
      `"${source}" fires ${Math.round(gap / 60_000)} minute(s) apart; backups may run at most every 5 minutes ` +
        `— ${SCHEDULE_FORMS}`,
    );
  }
  return { kind: "cron", source, expression, timezone };
}

function smallestGapMs(fires: Date[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < fires.length; i++) {
    smallest = Math.min(smallest, fires[i]!.getTime() - fires[i - 1]!.getTime());
  }
  return smallest;
}

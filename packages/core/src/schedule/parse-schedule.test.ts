import { describe, expect, it } from "vitest";
import { parseSchedule } from "./parse-schedule.ts";
import { ScheduleError } from "./schedule.ts";

function scheduleError(text: string, timezone?: string): ScheduleError {
  try {
    parseSchedule(text, timezone === undefined ? {} : { timezone });
  } catch (error) {
    if (error instanceof ScheduleError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe("parseSchedule: intervals", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["5m", 5 * 60_000],
    ["6h", 6 * 3_600_000],
    ["1d", 86_400_000],
    ["2w", 14 * 86_400_000],
    ["  90m ", 90 * 60_000],
  ])("accepts %j", (text, everyMs) => {
    expect(parseSchedule(text)).toEqual({ kind: "interval", source: text.trim(), everyMs });
  });

  it.each(["4m", "0m", "0d", "53w", "1.5h", "6 h", "6H", "1y", "10s", "-1d", "daily", "every 6h"])(
    "rejects %j with E_SCHEDULE naming both accepted forms",
    (text) => {
      const error = scheduleError(text);
      expect(error.code).toBe("E_SCHEDULE");
      expect(error.message).toContain('"0 3 * * *"');
      expect(error.message).toContain('"6h"');
    },
  );

  it("says why a too-short interval is refused", () => {
    expect(scheduleError("2m").message).toMatch(/shorter than 5m/);
  });
});

describe("parseSchedule: cron", () => {
  it("accepts a 5-field expression, normalising whitespace and defaulting to UTC", () => {
    expect(parseSchedule("  0   3 * * *  ")).toEqual({
      kind: "cron",
      source: "0   3 * * *",
      expression: "0 3 * * *",
      timezone: "UTC",
    });
  });

  it("keeps the time zone it was given", () => {
    expect(parseSchedule("30 2 * * 1-5", { timezone: "Europe/Paris" })).toMatchObject({
      kind: "cron",
      timezone: "Europe/Paris",
    });
  });

  it.each(["*/5 * * * *", "0 */6 * * *", "15 3 1 * *", "0 3 * * mon", "0 3 L * *"])("accepts %j", (text) => {
    expect(parseSchedule(text).kind).toBe("cron");
  });

  it.each([
    ["0 3 * *", /has 4 fields/],
    ["0 0 3 * * *", /has 6 fields/],
    ["61 * * * *", /not a valid cron expression/],
    ["0 3 31 2 *", /not a valid cron expression/],
    ["@daily", /not a schedule/],
    ["", /empty/],
    ["H 3 * * *", /"H"/],
  ])("rejects %j", (text, reason) => {
    const error = scheduleError(text);
    expect(error.code).toBe("E_SCHEDULE");
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('"30m"');
  });

  it.each(["* * * * *", "*/2 * * * *", "0,1 3 * * *", "58,59 * * * *"])(
    "rejects %j because it fires less than 5 minutes apart",
    (text) => {
      expect(scheduleError(text).message).toMatch(/at most every 5 minutes/);
    },
  );

  it("rejects an unknown time zone, for intervals too", () => {
    expect(scheduleError("0 3 * * *", "Mars/Olympus").message).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(scheduleError("1d", "Nowhere").code).toBe("E_SCHEDULE");
  });
});

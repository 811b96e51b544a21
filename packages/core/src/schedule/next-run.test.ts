import { describe, expect, it } from "vitest";
import { nextRun } from "./next-run.ts";
import { parseSchedule } from "./parse-schedule.ts";

const at = (iso: string) => new Date(iso);

describe("nextRun: intervals", () => {
  const sixHours = parseSchedule("6h");

  it("is now when nothing has run yet", () => {
    expect(nextRun(sixHours, { lastRun: null, now: at("2025-03-01T10:00:00Z") })).toEqual(at("2025-03-01T10:00:00Z"));
  });

  it("is lastRun + interval while that is ahead", () => {
    expect(nextRun(sixHours, { lastRun: at("2025-03-01T08:00:00Z"), now: at("2025-03-01T10:00:00Z") })).toEqual(
      at("2025-03-01T14:00:00Z"),
    );
  });

  it("is now once lastRun + interval has passed (overdue, run once)", () => {
    expect(nextRun(sixHours, { lastRun: at("2025-02-20T08:00:00Z"), now: at("2025-03-01T10:00:00Z") })).toEqual(
      at("2025-03-01T10:00:00Z"),
    );
  });

  it("waits a full interval when the clock went back behind lastRun", () => {
    expect(nextRun(sixHours, { lastRun: at("2025-03-01T12:00:00Z"), now: at("2025-03-01T10:00:00Z") })).toEqual(
      at("2025-03-01T18:00:00Z"),
    );
  });
});

describe("nextRun: cron in UTC", () => {
  const nightly = parseSchedule("0 3 * * *");

  it("is the first fire strictly after lastRun", () => {
    expect(nextRun(nightly, { lastRun: at("2025-03-01T03:00:00Z"), now: at("2025-03-01T03:10:00Z") })).toEqual(
      at("2025-03-02T03:00:00Z"),
    );
    expect(nextRun(nightly, { lastRun: at("2025-03-01T02:59:00Z"), now: at("2025-03-01T02:59:30Z") })).toEqual(
      at("2025-03-01T03:00:00Z"),
    );
  });

  it("is now when the agent slept through one or more fires", () => {
    expect(nextRun(nightly, { lastRun: at("2025-02-25T03:00:00Z"), now: at("2025-03-01T10:00:00Z") })).toEqual(
      at("2025-03-01T10:00:00Z"),
    );
  });

  it("then returns to the cron rhythm after the catch-up run", () => {
    expect(nextRun(nightly, { lastRun: at("2025-03-01T10:00:00Z"), now: at("2025-03-01T10:05:00Z") })).toEqual(
      at("2025-03-02T03:00:00Z"),
    );
  });

  it("is now when nothing has run yet, without waiting for 03:00", () => {
    expect(nextRun(nightly, { lastRun: null, now: at("2025-03-01T10:00:00Z") })).toEqual(at("2025-03-01T10:00:00Z"));
  });

  it("follows day-of-week and month boundaries", () => {
    const mondays = parseSchedule("30 4 * * 1");
    // 2025-03-01 is a Saturday.
    expect(nextRun(mondays, { lastRun: at("2025-03-01T00:00:00Z"), now: at("2025-03-01T00:00:00Z") })).toEqual(
      at("2025-03-03T04:30:00Z"),
    );
    const monthly = parseSchedule("0 0 1 * *");
    expect(nextRun(monthly, { lastRun: at("2024-12-31T23:59:00Z"), now: at("2024-12-31T23:59:30Z") })).toEqual(
      at("2025-01-01T00:00:00Z"),
    );
  });
});

describe("nextRun: cron in a named zone", () => {
  it("reads the fields as wall-clock time in that zone", () => {
    const paris = parseSchedule("0 3 * * *", { timezone: "Europe/Paris" });
    // Winter: Paris is UTC+1, so 03:00 there is 02:00Z.
    expect(nextRun(paris, { lastRun: at("2025-01-10T12:00:00Z"), now: at("2025-01-10T12:00:00Z") })).toEqual(
      at("2025-01-11T02:00:00Z"),
    );
  });
});

describe("nextRun: invalid dates", () => {
  it("throws instead of scheduling at NaN", () => {
    expect(() => nextRun(parseSchedule("1d"), { lastRun: new Date(Number.NaN), now: at("2025-01-01T00:00:00Z") })).toThrow(
      RangeError,
    );
  });
});

import { describe, expect, it } from "vitest";
import { isDue } from "./is-due.ts";
import { parseSchedule } from "./parse-schedule.ts";

const at = (iso: string) => new Date(iso);

describe("isDue", () => {
  it("is due when no backup has ever succeeded", () => {
    expect(isDue(parseSchedule("0 3 * * *"), { lastSuccess: null, now: at("2025-03-01T10:00:00Z") })).toBe(true);
  });

  it("becomes due exactly when the interval has elapsed", () => {
    const hourly = parseSchedule("1h");
    const lastSuccess = at("2025-03-01T09:00:00Z");
    expect(isDue(hourly, { lastSuccess, now: at("2025-03-01T09:59:59.999Z") })).toBe(false);
    expect(isDue(hourly, { lastSuccess, now: at("2025-03-01T10:00:00Z") })).toBe(true);
  });

  it("becomes due at the next cron fire after the last success", () => {
    const nightly = parseSchedule("0 3 * * *");
    const lastSuccess = at("2025-03-01T03:00:04Z");
    expect(isDue(nightly, { lastSuccess, now: at("2025-03-01T23:00:00Z") })).toBe(false);
    expect(isDue(nightly, { lastSuccess, now: at("2025-03-02T03:00:00Z") })).toBe(true);
  });

  it("stays due after a missed night until a backup succeeds", () => {
    const nightly = parseSchedule("0 3 * * *");
    const lastSuccess = at("2025-02-27T03:00:00Z");
    expect(isDue(nightly, { lastSuccess, now: at("2025-03-01T10:00:00Z") })).toBe(true);
    expect(isDue(nightly, { lastSuccess, now: at("2025-03-01T11:00:00Z") })).toBe(true);
  });
});

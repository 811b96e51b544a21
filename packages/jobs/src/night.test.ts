import { describe, expect, it } from "vitest";
import { Night, nightOf, previousNight } from "./night.ts";

describe("nights", () => {
  it("is the UTC date of a moment, whatever the local offset of its writer", () => {
    expect(nightOf(new Date("2026-11-22T03:00:00Z"))).toBe("2026-11-22");
    expect(nightOf(new Date("2026-11-22T02:59:59.999+08:00"))).toBe("2026-11-21");
    expect(nightOf(Date.parse("2026-11-21T23:30:00-05:00"))).toBe("2026-11-22");
  });

  it("steps back across months, years and leap days", () => {
    expect(previousNight("2026-11-22")).toBe("2026-11-21");
    expect(previousNight("2026-03-01")).toBe("2026-02-28");
    expect(previousNight("2028-03-01")).toBe("2028-02-29");
    expect(previousNight("2027-01-01")).toBe("2026-12-31");
  });

  it("accepts only real YYYY-MM-DD dates", () => {
    expect(Night.safeParse("2026-11-22").success).toBe(true);
    for (const bad of ["2026-11-31", "2026-13-01", "2026-1-02", "2026-11-22T03:00:00Z", ""]) {
      expect(Night.safeParse(bad).success, bad).toBe(false);
    }
  });
});

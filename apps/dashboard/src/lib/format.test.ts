import { describe, expect, it } from "vitest";
import { formatBytes, formatUtc, relativeTime } from "./format.ts";

describe("how the dashboard writes numbers and times", () => {
  it("says how long ago, the way the overview shows the last backup", () => {
    const now = new Date("2026-11-22T12:00:00Z");
    expect(relativeTime(new Date("2026-11-22T08:00:00Z"), now)).toBe("4 hours ago");
    expect(relativeTime(new Date("2026-11-22T11:59:30Z"), now)).toBe("just now");
    expect(relativeTime(new Date("2026-11-22T11:59:00Z"), now)).toBe("1 minute ago");
    expect(relativeTime(new Date("2026-11-20T12:00:00Z"), now)).toBe("2 days ago");
    expect(relativeTime(new Date("2026-11-22T15:00:00Z"), now)).toBe("in 3 hours");
  });

  it("writes sizes in binary units and times in UTC", () => {
    expect(formatBytes(597)).toBe("597 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
    expect(formatUtc(new Date("2026-11-22T03:04:59Z"))).toBe("2026-11-22 03:04 UTC");
  });
});

import { describe, expect, it } from "vitest";
import { makeBackupKey, parseBackupKey } from "./backup-keys.ts";
import { formatBytes, formatDuration, formatRelative } from "./format-units.ts";

describe("backup keys", () => {
  it("are <prefix><ISO-8601 UTC> and parse back; other objects under the prefix are not backups", () => {
    const at = new Date("2026-11-21T03:00:12.345Z");
    const key = makeBackupKey("openclaw-backup/", at);
    expect(key).toBe("openclaw-backup/2026-11-21T03:00:12.345Z");
    expect(parseBackupKey("openclaw-backup/", key)).toEqual(at);
    expect(parseBackupKey("openclaw-backup/", "openclaw-backup/notes.txt")).toBeNull();
    expect(parseBackupKey("openclaw-backup/", "other/2026-11-21T03:00:12.345Z")).toBeNull();
    expect(parseBackupKey("", "2026-11-21T03:00:12Z")).toEqual(new Date("2026-11-21T03:00:12Z"));
  });
});

describe("units", () => {
  it("reads as people expect", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1024 ** 3 * 1.25)).toBe("1.3 GiB");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3700)).toBe("1:01:40");
    const now = new Date("2026-11-21T12:00:00Z");
    expect(formatRelative(new Date("2026-11-21T08:00:00Z"), now)).toBe("4 hours ago");
    expect(formatRelative(new Date("2026-11-22T12:00:00Z"), now)).toBe("in 1 day");
  });
});

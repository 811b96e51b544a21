// How numbers and times read on every page: sizes in binary units, timestamps in UTC (backups run on
// UTC nights; support and customers must name the same moment), and "4 hours ago" for recency.

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "2026-11-22 03:04 UTC". */
export function formatUtc(date: Date | string): string {
  const d = typeof date === "string" ? new Date(date) : date;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "4 hours ago", "in 3 hours", "just now". */
export function relativeTime(date: Date | string, now: Date = new Date()): string {
  const d = typeof date === "string" ? new Date(date) : date;
  const seconds = Math.round((d.getTime() - now.getTime()) / 1000);
  const past = seconds <= 0;
  const abs = Math.abs(seconds);
  if (abs < 45) return past ? "just now" : "in a moment";
  const steps: [number, string][] = [[60, "minute"], [3600, "hour"], [86400, "day"], [30 * 86400, "month"], [365 * 86400, "year"]];
  let chosen: [number, string] = steps[0]!;
  for (const step of steps) if (abs >= step[0] * 0.95) chosen = step;
  const count = Math.max(1, Math.round(abs / chosen[0]));
  const words = `${count} ${chosen[1]}${count === 1 ? "" : "s"}`;
  return past ? `${words} ago` : `in ${words}`;
}

export const REGION_NAMES: Record<string, string> = { SG: "Singapore", US: "United States", EU: "Europe" };

export const KIND_NAMES: Record<string, string> = { nightly: "Nightly", export: "Export", final: "Final", "pre-restore": "Pre-restore" };

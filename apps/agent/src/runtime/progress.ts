import { formatBytes, formatDuration } from "./format-units.ts";
import type { Output } from "./output.ts";

/**
 * Progress of one long step. On a terminal: a bar redrawn in place (bytes, rate, ETA). Elsewhere: a
 * JSON line every few seconds, so a log shows the backup moving without drowning in lines.
 */
export class Progress {
  private readonly out: Output;
  private readonly label: string;
  private total: number;
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private current = 0;
  private readonly extra: Record<string, unknown> = {};

  constructor(out: Output, label: string, total: number) {
    this.out = out;
    this.label = label;
    this.total = total;
  }

  /** Record `done` bytes of `total` (the total may be revised when an estimate turns out low). */
  update(done: number, extra: Record<string, unknown> = {}): void {
    this.current = done;
    Object.assign(this.extra, extra);
    if (done > this.total) this.total = done;
    const now = Date.now();
    const interval = this.out.interactive ? 100 : 5000;
    if (now - this.lastDraw < interval) return;
    this.lastDraw = now;
    this.draw(false);
  }

  /** Draw the final state and end the line. */
  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? this.current / elapsed : 0;
    const remaining = rate > 0 ? (this.total - this.current) / rate : 0;
    const pct = this.total > 0 ? Math.min(100, (this.current / this.total) * 100) : 100;
    if (!this.out.interactive) {
      this.out.event("progress", this.label, { bytes: this.current, total: this.total, percent: Math.round(pct), bytesPerSecond: Math.round(rate), etaSeconds: Math.round(remaining), ...this.extra });
      return;
    }
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const eta = final ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(remaining)}`;
    const line = `${this.label} ${bar} ${pct.toFixed(0).padStart(3)}%  ${formatBytes(this.current)} / ${formatBytes(this.total)}  ${formatBytes(rate)}/s  ${eta}`;
    this.out.stderr.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
  }
}

import type { Writable } from "node:stream";

/**
 * Where a command writes. Results go to stdout (a table, or JSON with --json); warnings, progress and
 * errors go to stderr — as text on a terminal, as one JSON object per line otherwise, so a daemon's
 * log or a cron mail stays machine-readable.
 */
export class Output {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** stderr is a terminal: draw progress bars and plain sentences. */
  readonly interactive: boolean;

  constructor(stdout: Writable, stderr: Writable, interactive: boolean) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.interactive = interactive;
  }

  /** A line of the command's result. */
  result(line: string): void {
    this.stdout.write(`${line}\n`);
  }

  /** The command's result as JSON (for --json). */
  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A step or a fact worth telling while the command runs. */
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.event("info", message, fields);
  }

  warn(code: string, message: string, fields: Record<string, unknown> = {}): void {
    this.event("warning", message, { code, ...fields });
  }

  error(code: string, message: string, fields: Record<string, unknown> = {}): void {
    this.event("error", message, { code, ...fields });
  }

  /** One structured event: a sentence on a terminal, a JSON line elsewhere. */
  event(level: "info" | "warning" | "error" | "progress", message: string, fields: Record<string, unknown> = {}): void {
    if (this.interactive) {
      const tag = level === "info" || level === "progress" ? "" : `${level}: `;
      const code = typeof fields.code === "string" ? ` [${fields.code}]` : "";
      this.stderr.write(`${tag}${message}${level === "info" ? "" : code}\n`);
      return;
    }
    this.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  }
}

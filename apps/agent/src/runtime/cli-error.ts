/**
 * Exit codes of `nacre-agent`, documented in docs/cli.md. Scripts and monitoring key on these, so a
 * value never changes meaning.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  storage: 4,
  integrity: 5,
  source: 6,
  busy: 7,
  restoreRefused: 8,
  enrollRefused: 9,
  gateway: 10,
  notReady: 11,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: a stable code, a sentence saying what to do, and the exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

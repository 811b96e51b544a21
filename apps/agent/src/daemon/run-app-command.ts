// Runs one of the app's control commands (pause, resume, status) from the agent config: an argv array,
// started without a shell so nothing in it is interpreted, killed when it overruns its time.
import { spawn } from "node:child_process";

export interface AppCommandResult {
  /** The exit code, or null when the command was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last few hundred characters of stdout and stderr together, for error messages. */
  output: string;
}

const OUTPUT_TAIL = 500;

/** Runs `argv` with `timeoutMs`; rejects only when it cannot be started (e.g. ENOENT). */
export function runAppCommand(argv: readonly string[], timeoutMs: number): Promise<AppCommandResult> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let timedOut = false;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, output: output.trim() });
    });
  });
}

/** "`systemctl stop openclaw` exited with code 1: <output>" and the like. */
export function describeAppCommandResult(argv: readonly string[], result: AppCommandResult, timeoutMs: number): string {
  const shown = `\`${argv.join(" ")}\``;
  const how = result.timedOut
    ? `did not finish within ${timeoutMs / 1000} s and was killed`
    : result.exitCode === null
      ? `was killed by ${result.signal ?? "a signal"}`
      : `exited with code ${result.exitCode}`;
  return `${shown} ${how}${result.output ? `: ${result.output}` : ""}`;
}

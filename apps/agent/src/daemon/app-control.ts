// The app on the VM (OpenClaw) as the control plane sees it: paused and resumed around a restore through
// the commands of the agent config, and probed for the heartbeat's appStatus.
import type { AppStatus } from "@nacre/protocol";
import type { ResolvedAgentConfig } from "../config/index.ts";
import { describeAppCommandResult, runAppCommand } from "./run-app-command.ts";

export const APP_COMMAND_TIMEOUT_MS = 60_000;
const STATUS_TIMEOUT_MS = 10_000;
const IDS_REMEMBERED = 100;

/** A pause or resume that did not work; the handler answers the command with E_APP_COMMAND. */
export class AppCommandError extends Error {
  readonly code = "E_APP_COMMAND";
  override readonly name = "AppCommandError";
}

export class AppControl {
  private readonly commands: ResolvedAgentConfig["app"];
  private readonly configPath: string;
  private readonly handled: string[] = [];
  private paused = false;
  /** The pause or resume under way: snapshots and restores start only once it has settled. */
  private pending: Promise<unknown> = Promise.resolve();
  /** A pause's watchdog (AppPause.resumeAfterSeconds): resumes the app unless disarmed first. */
  private watchdog: NodeJS.Timeout | undefined;

  constructor(config: Pick<ResolvedAgentConfig, "app" | "configPath">) {
    this.commands = config.app;
    this.configPath = config.configPath;
  }

  /** True the first time a command id is seen: app commands act once per id, however often they arrive. */
  firstReceipt(commandId: string): boolean {
    if (this.handled.includes(commandId)) return false;
    this.handled.push(commandId);
    if (this.handled.length > IDS_REMEMBERED) this.handled.shift();
    return true;
  }

  /**
   * Runs app.pauseCommand; afterwards the heartbeat says "paused" until a resume succeeds. With
   * `resumeAfterMs`, the app is resumed by itself after that long unless holdForRestore or resume
   * comes first (`onWatchdog` hears how that went).
   */
  async pause(options: { resumeAfterMs?: number; onWatchdog?: (problem: string | undefined) => void } = {}): Promise<void> {
    this.disarm();
    await this.track(this.run("pauseCommand"));
    this.paused = true;
    if (options.resumeAfterMs !== undefined) {
      this.watchdog = setTimeout(() => {
        this.watchdog = undefined;
        this.resume().then(() => options.onWatchdog?.(undefined), (error: Error) => options.onWatchdog?.(error.message));
      }, options.resumeAfterMs);
      this.watchdog.unref();
    }
  }

  /** Runs app.resumeCommand. */
  async resume(): Promise<void> {
    this.disarm();
    await this.track(this.run("resumeCommand"));
    this.paused = false;
  }

  /** True while paused by pause() and not resumed since. */
  isPaused(): boolean {
    return this.paused;
  }

  /** A restore takes over a paused app: the pause's watchdog must not start it under the restore. */
  holdForRestore(): void {
    this.disarm();
  }

  /** Resolves once the pause or resume under way (if any) has finished, however it ended. */
  async settled(): Promise<void> {
    await this.pending.catch(() => {});
  }

  private disarm(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending = work.catch(() => {});
    return work;
  }

  /** "paused" while paused by app.pause; else statusCommand's verdict (exit 0 → running), "unknown" without one. */
  async status(): Promise<AppStatus> {
    if (this.paused) return "paused";
    const argv = this.commands.statusCommand;
    if (argv === undefined) return "unknown";
    try {
      const result = await runAppCommand(argv, STATUS_TIMEOUT_MS);
      if (result.timedOut) return "unknown";
      return result.exitCode === 0 ? "running" : "stopped";
    } catch {
      return "unknown";
    }
  }

  private async run(field: "pauseCommand" | "resumeCommand"): Promise<void> {
    const argv = this.commands[field];
    if (argv === undefined) {
      throw new AppCommandError(`app.${field} is not set in ${this.configPath} — add the command that ${field === "pauseCommand" ? "stops" : "starts"} the app`);
    }
    let result;
    try {
      result = await runAppCommand(argv, APP_COMMAND_TIMEOUT_MS);
    } catch (error) {
      throw new AppCommandError(`app.${field} \`${argv.join(" ")}\` could not be started: ${(error as Error).message} — check the program path in ${this.configPath}`);
    }
    if (result.exitCode !== 0 || result.timedOut) throw new AppCommandError(`app.${field} ${describeAppCommandResult(argv, result, APP_COMMAND_TIMEOUT_MS)}`);
  }
}

// Stopping a server child process politely, then firmly: each server has its own polite signal
// (SIGTERM for most, SIGINT for PostgreSQL's "fast" shutdown), but none may keep stop() waiting.
import type { ChildProcess } from "node:child_process";

/** Sends `signal`, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

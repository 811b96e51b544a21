import type { Output } from "./output.ts";

/** Everything a command may use from the outside world; built once in main.ts. */
export interface AgentContext {
  env: Record<string, string | undefined>;
  homeDir: string;
  cwd: string;
  out: Output;
  now: () => Date;
  /** Aborted on SIGINT/SIGTERM: long work stops and cleans up. */
  signal: AbortSignal;
  version: string;
}

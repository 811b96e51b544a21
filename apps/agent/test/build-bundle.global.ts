import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Builds apps/agent/dist/nacre-agent.mjs so every CLI test runs what users run. */
export default function setup(): void {
  execFileSync(process.execPath, ["build.ts"], { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: "inherit" });
}

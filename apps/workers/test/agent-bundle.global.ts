// The nightly tests run the real one-file agent bundle. `pnpm build` (and scripts/test.sh) make it;
// when it is missing this builds it. It never rebuilds an existing bundle: the agent's own test
// project may be rebuilding it at the same time, and two writers of one file would race.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const agentDir = fileURLToPath(new URL("../../agent", import.meta.url));
  if (!existsSync(`${agentDir}/dist/nacre-agent.mjs`)) execFileSync(process.execPath, ["build.ts"], { cwd: agentDir, stdio: "inherit" });
}

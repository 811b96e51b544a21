// `bash scripts/dev.sh` ends here: the composition root of the local stack. It brings every part up
// (the gateway included), runs the agent's self-hosted demo against the stack's S3 server, then the
// hosted one (alice's VM enrolled and snapshotted on command through the gateway), prints what runs
// where, and stays up until Ctrl-C, which stops what it started and nothing else.
//
//   --no-demo           skip the agent demo
//   --exit-when-ready   stop again right after printing the table (smoke tests)
// Environment: NACRE_LOCAL_DIR (default <repo>/.nacre-local), NACRE_S3_PORT (9000),
// NACRE_EMAIL_PORT (8025), NACRE_GATEWAY_PORT (8787), NACRE_OPS_PORT (9464, the workers' /metrics),
// NACRE_DASHBOARD_PORT (3000),
// NACRE_DATABASE (nacre).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { runManagedDemo } from "./run-managed-demo.ts";
import type { ManagedDemo } from "./run-managed-demo.ts";
import { startStack } from "./start-stack.ts";
import type { Stack } from "./start-stack.ts";

const repo = resolve(import.meta.dirname, "../../..");
const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (!["--no-demo", "--exit-when-ready"].includes(arg)) {
    console.error(`dev stack: unknown option ${arg} (known: --no-demo, --exit-when-ready)`);
    process.exit(2);
  }
}

const dir = process.env["NACRE_LOCAL_DIR"] ?? join(repo, ".nacre-local");
const stack = await startStack({
  dir,
  s3Port: port("NACRE_S3_PORT", 9000),
  emailPort: port("NACRE_EMAIL_PORT", 8025),
  gatewayPort: port("NACRE_GATEWAY_PORT", 8787),
  opsPort: port("NACRE_OPS_PORT", 9464),
  dashboardPort: port("NACRE_DASHBOARD_PORT", 3000),
  databaseName: process.env["NACRE_DATABASE"] ?? "nacre",
  onProgress: (message) => console.log(`▶ starting ${message}`),
});

let managed: ManagedDemo | undefined;
let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping what this stack started…`);
  await managed?.stop();
  await stack.stop();
  console.log("stopped.");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  if (!args.has("--no-demo")) {
    await runAgentDemo(stack);
    console.log("\n▶ the hosted product: alice's VM gets an agent, and the control plane snapshots it on command");
    managed = await runManagedDemo(stack, dir, (line) => console.log(`  ${line}`));
  }
} catch (error) {
  console.error(`the demo failed: ${(error as Error).message}`);
  await managed?.stop();
  await stack.stop();
  process.exit(1);
}

printTable(stack);
console.log("\nready. Ctrl-C stops the services this stack started.");
if (args.has("--exit-when-ready")) await shutdown("exit-when-ready");

function printTable(s: Stack): void {
  console.log("\nThe local stack:");
  const width = Math.max(...s.services.map((x) => x.name.length));
  for (const service of s.services) {
    const origin = service.startedByUs ? "started here" : "already running, reused";
    console.log(`  ${service.name.padEnd(width)}  ${service.where}  (${origin}${service.note ? `; ${service.note}` : ""})`);
  }
  console.log(`\n  Seeded: alice@example.com (VM in SG), bob@example.com (VM in EU), support@nacre.local (support).`);
  console.log(`  S3 credentials: ${s.s3.accessKeyId} / ${s.s3.secretAccessKey}; Resend API key: ${s.email.apiKey}`);
}

async function runAgentDemo(s: Stack): Promise<void> {
  const demo = join(repo, "apps/agent/scripts/demo.ts");
  if (!existsSync(join(repo, "apps/agent/dist/nacre-agent.mjs"))) {
    throw new Error("the agent bundle is missing: run `pnpm build` (scripts/dev.sh does)");
  }
  console.log("\n▶ the agent: a self-hosted OpenClaw backup to the stack's S3 server, then a restore");
  const child = spawn(process.execPath, [demo], {
    stdio: "inherit",
    env: {
      ...process.env,
      NACRE_DEMO_S3_ENDPOINT: s.s3.endpoint,
      NACRE_DEMO_S3_BUCKET: s.s3.buckets["SG"],
      NACRE_DEMO_S3_ACCESS_KEY_ID: s.s3.accessKeyId,
      NACRE_DEMO_S3_SECRET_ACCESS_KEY: s.s3.secretAccessKey,
      NACRE_DEMO_S3_REGION: s.s3.region,
    },
  });
  const code = await new Promise<number | null>((done) => child.on("exit", done));
  if (code !== 0) throw new Error(`demo exited with ${code}`);
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`dev stack: ${name}=${raw} is not a port number (0–65535; 0 picks a free one)`);
    process.exit(2);
  }
  return value;
}

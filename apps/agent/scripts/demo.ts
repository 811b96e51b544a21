// The README's first command: a sample OpenClaw install backed up to a local S3-compatible server with
// the real bundled CLI — status, backup now, list, status, verify, restore into a temporary target —
// each step printed. Everything lives under .nacre-local/demo and is stopped on exit.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { startS3Server } from "@nacre/local-stack";
import { makeSampleOpenclaw } from "./make-sample-openclaw.ts";

const repo = resolve(import.meta.dirname, "../../..");
const bundle = join(repo, "apps/agent/dist/nacre-agent.mjs");
const work = join(repo, ".nacre-local/demo");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (title: string) => console.log(`\n${bold(`▶ ${title}`)}`);

// The dev stack (packages/dev-stack) passes its own S3 server; run alone, the demo starts one.
const given = process.env["NACRE_DEMO_S3_ENDPOINT"];
let s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; stop(): Promise<void> };
let bucket = "openclaw-backups";
if (given) {
  bucket = process.env["NACRE_DEMO_S3_BUCKET"] ?? bucket;
  s3 = {
    endpoint: given,
    region: process.env["NACRE_DEMO_S3_REGION"] ?? "us-east-1",
    accessKeyId: process.env["NACRE_DEMO_S3_ACCESS_KEY_ID"] ?? "",
    secretAccessKey: process.env["NACRE_DEMO_S3_SECRET_ACCESS_KEY"] ?? "",
    stop: async () => {},
  };
  step(`using the stack's S3-compatible server at ${s3.endpoint}, bucket ${bucket}`);
} else {
  step("starting the local S3-compatible server (s3rver on 127.0.0.1)");
  s3 = await startS3Server({ dir: join(work, "s3"), buckets: [bucket] });
  console.log(`  endpoint ${s3.endpoint}, bucket ${bucket}`);
}

try {
  step("creating a sample OpenClaw state dir and workspace");
  const sample = makeSampleOpenclaw(join(work, "openclaw"), {
    backup: {
      enabled: true,
      schedule: "1d",
      storage: { provider: "s3", endpoint: s3.endpoint, bucket, region: s3.region, accessKeyId: "${AWS_ACCESS_KEY_ID}", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}", prefix: "openclaw-backup/" },
      encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}" },
      retention: { maxBackups: 14, maxAgeDays: 30 },
    },
  });
  console.log(`  state dir ${sample.stateDir}\n  workspace ${sample.workspace}`);

  const env = {
    ...process.env,
    OPENCLAW_STATE_DIR: sample.stateDir,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    BACKUP_PASSPHRASE: "correct horse battery staple",
    NACRE_AGENT_STATE_DIR: join(work, "agent-state"),
  };
  const agent = (...args: string[]) => {
    console.log(`  $ nacre-agent ${args.join(" ")}`);
    // stderr goes straight to the terminal, so a person sees the agent's progress bars as they happen.
    const r = spawnSync(process.execPath, [bundle, ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const indent = (text: string) => text.trimEnd().split("\n").filter(Boolean).map((l) => `    ${l}`).join("\n");
    if (r.stdout.trim()) console.log(indent(r.stdout));
    if (r.status !== 0) throw new Error(`nacre-agent ${args.join(" ")} exited with ${r.status}`);
    return r.stdout;
  };

  step("backup status (before the first backup)");
  agent("backup", "status");
  step("backup now");
  agent("backup", "now");
  step("backup list");
  agent("backup", "list");
  const [latest] = (JSON.parse(agent("backup", "list", "--json")) as { key: string }[]).slice(-1);
  step("backup status");
  agent("backup", "status");
  step(`backup verify ${latest!.key}`);
  agent("backup", "verify", latest!.key);
  const target = join(work, "restored");
  step(`backup restore ${latest!.key} --target ${relative(repo, target)}`);
  agent("backup", "restore", latest!.key, "--target", target);

  step("comparing the restored workspace with the original");
  const original = listFiles(sample.workspace);
  const restored = listFiles(join(target, "workspace"));
  const same = original.length === restored.length && original.every((f, i) => f === restored[i] && readFileSync(join(sample.workspace, f)).equals(readFileSync(join(target, "workspace", f))));
  for (const f of restored) console.log(`  workspace/${f}`);
  if (!same) throw new Error("restored workspace differs from the original");
  console.log(`  ${bold("identical")}: ${restored.length} files; state/ restored beside it (${listFiles(join(target, "state")).length} files)`);
  console.log(`\nDone. Files are under ${relative(process.cwd(), work) || work}.`);
} finally {
  await s3.stop();
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
    })
    .sort();
}

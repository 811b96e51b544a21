// `pnpm bench`: the backup and restore figures of issue #2, from whole processes in one run.
// Prints wall time, MB/s, peak RSS and the ratio of each baseline pipeline's time to ours on the
// reference data set (`make-dataset.py DIR 1024`), plus peak RSS of `backup now` at 256 MiB and 2 GiB.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startS3Server } from "@nacre/local-stack";

const repo = resolve(import.meta.dirname, "../../..");
const bundle = join(repo, "apps/agent/dist/nacre-agent.mjs");
const benchDir = resolve(process.env.NACRE_BENCH_DIR ?? join(repo, "bench-out"));
const generator = [join(repo, "../shared/bench/make-dataset.py"), join(repo, "shared/bench/make-dataset.py")].find(existsSync);
const sizes = (process.env.NACRE_BENCH_SIZES ?? "256,1024,2048").split(",").map(Number);
const passphrase = "bench passphrase";
mkdirSync(benchDir, { recursive: true });

interface Run { label: string; seconds: number; rssMiB: number }
const results: Run[] = [];

/** Runs a shell command under GNU time; returns wall seconds and the largest process's peak RSS. */
function timed(label: string, command: string, env: NodeJS.ProcessEnv = process.env): Run {
  // Every contender starts with nothing left to write back from the one before it (the baselines do
  // not fsync, so their output would otherwise be flushed during the next run, ours included).
  spawnSync("sync");
  primeMemory();
  const r = spawnSync("/usr/bin/time", ["-f", "NACRE_TIME %e %M", "bash", "-o", "pipefail", "-c", command], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const line = r.stderr.split("\n").find((l) => l.startsWith("NACRE_TIME "));
  if (r.status !== 0 || !line) throw new Error(`${label} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  const [, secs, kib] = line.split(" ");
  const run = { label, seconds: Number(secs), rssMiB: Number(kib) / 1024 };
  console.log(`  ${label.padEnd(44)} ${run.seconds.toFixed(2).padStart(7)} s   peak RSS ${run.rssMiB.toFixed(0).padStart(5)} MiB`);
  results.push(run);
  return run;
}

/**
 * Every contender starts on memory the guest kernel has used before. On this kind of virtual machine
 * (Firecracker) the first touch of a guest page costs the hypervisor a fault: writing 1 GiB into fresh
 * page cache took 2.4–2.9 s of kernel time, into recycled pages 0.2–0.5 s. Which contender got fresh
 * pages depended on what the one before it had freed (the baseline truncates and rewrites one file, our
 * backup writes a new one and a temporary database copy), and decided the ratio by up to 30%. Writing
 * 2 GiB to tmpfs and deleting it leaves that much recycled memory at the head of the free lists for the
 * contender that follows. Skipped where /dev/shm is missing or too small, or less than 4 GiB is free.
 */
const PRIME_BYTES = 2 * 1024 ** 3;
function primeMemory(): void {
  // Only where twice that much memory is free (not merely reclaimable), so no page cache is evicted for
  // it, the data set's included.
  const free = /^MemFree:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"));
  if (!free || Number(free[1]) * 1024 < 2 * PRIME_BYTES) return;
  const room = spawnSync("df", ["--output=avail", "-B1", "/dev/shm"], { encoding: "utf8" });
  if (room.status !== 0 || Number(room.stdout.split("\n")[1]) < PRIME_BYTES) return;
  const file = `/dev/shm/nacre-bench-prime-${process.pid}`;
  const fd = openSync(file, "w");
  try {
    execFileSync("head", ["-c", String(PRIME_BYTES), "/dev/zero"], { stdio: ["ignore", fd, "ignore"] });
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

function ensureTool(bin: string, pkg: string) {
  if (spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0) return;
  console.log(`  installing ${pkg} from Debian (baseline tool)`);
  execFileSync("sh", ["-c", `apt-get install -y -qq ${pkg} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ${pkg})`], { stdio: "inherit" });
}

function dataset(sizeMiB: number): { dir: string; bytes: number } {
  const dir = join(benchDir, `ds-${sizeMiB}`);
  if (!existsSync(join(dir, ".complete"))) {
    if (!generator) throw new Error("shared/bench/make-dataset.py not found beside the repo");
    console.log(`  generating the ${sizeMiB} MiB reference data set in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    execFileSync("python3", [generator, dir, String(sizeMiB)], { stdio: "inherit" });
    writeFileSync(join(dir, ".complete"), "");
  }
  const bytes = Number(execFileSync("du", ["-sb", "--exclude=.complete", dir], { encoding: "utf8" }).split("\t")[0]);
  // Warm the page cache for every contender alike. Through a pipe: GNU tar writing to /dev/null itself
  // skips reading file contents, which left the first contender to read the set from disk.
  execFileSync("sh", ["-c", `tar -C '${dir}' -cf - . | cat > /dev/null`]);
  return { dir, bytes };
}

function agentConfig(name: string, dataDir: string, storage: Record<string, unknown>): string {
  const path = join(benchDir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ backup: { include: { stateDir: dataDir, workspace: false }, storage, encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}" }, compression: "zstd" } }, null, 2));
  return path;
}

const agentEnv = (extra: Record<string, string> = {}) => ({ ...process.env, BACKUP_PASSPHRASE: passphrase, NACRE_AGENT_STATE_DIR: join(benchDir, "agent-state"), ...extra });
const newestKey = (config: string, env: NodeJS.ProcessEnv) =>
  (JSON.parse(execFileSync(process.execPath, [bundle, "backup", "list", "--json", "--config", config], { env, encoding: "utf8" })) as { key: string }[]).at(-1)!.key;
const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

console.log(`nacre bench — ${new Date().toISOString()}, node ${process.version}, ${execFileSync("nproc", { encoding: "utf8" }).trim()} cores`);
ensureTool("zstd", "zstd");
ensureTool("age", "age");

const ref = dataset(1024);
console.log(`\nreference set: ${ref.dir}, ${(ref.bytes / 1e6).toFixed(0)} MB`);
const store = join(benchDir, "store");
const fsConfig = agentConfig("bench-fs", ref.dir, { provider: "fs", path: store });
const ageKey = join(benchDir, "age.key");
if (!existsSync(ageKey)) execFileSync("age-keygen", ["-o", ageKey], { stdio: "ignore" });
const recipient = execFileSync("age-keygen", ["-y", ageKey], { encoding: "utf8" }).trim();
const out = join(benchDir, "baseline.out");
const restoreDir = join(benchDir, "restore");
rmSync(restoreDir, { recursive: true, force: true });

// The machine is shared: contenders run interleaved, ROUNDS times each, and the best run of each is
// compared (the least disturbed one); peak RSS is the worst of the rounds.
const ROUNDS = Number(process.env.NACRE_BENCH_ROUNDS ?? 3);
const best = (runs: Run[]): Run => ({ label: runs[0]!.label, seconds: Math.min(...runs.map((r) => r.seconds)), rssMiB: Math.max(...runs.map((r) => r.rssMiB)) });
const oursRuns: Run[] = [];
const zstdAgeRuns: Run[] = [];
const restoreRuns: Run[] = [];
// Backups and the baseline alternate first; the restores follow. After a restore has written 1.1 GB
// this virtual disk stays slow to flush for a while (backups measured 3.6–4.1 s right after restores,
// 2.8–3.1 s otherwise), which only the contender that fsyncs, ours, would pay for.
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`backup round ${round}/${ROUNDS}`);
  rmSync(store, { recursive: true, force: true });
  mkdirSync(store);
  oursRuns.push(timed("nacre-agent backup now → fs", `node '${bundle}' backup now --force --config '${fsConfig}' > /dev/null 2>&1`, agentEnv()));
  // Like our store above, the baseline's previous output goes before its timed run: truncating 500 MB
  // of page cache as the shell opens the file cost it 0.2–0.3 s (2.81–2.99 s against 2.58–2.67 s),
  // which only rounds 2 and 3 paid.
  rmSync(out, { force: true });
  zstdAgeRuns.push(timed("tar | zstd -T2 | age", `tar -C '${ref.dir}' -cf - . | zstd -q -T2 | age -r ${recipient} > '${out}'`));
}
// Each round restores into a target of its own, and the restored trees are removed only after the
// last round: on this kind of disk (ext4 without a journal) creating files within a minute of
// deleting 15,000 others costs seconds of inode-bitmap scanning (ext4's recently_deleted), which
// would time the benchmark's own cleanup, not the restore (docs/performance.md).
const key = newestKey(fsConfig, agentEnv());
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`restore round ${round}/${ROUNDS}`);
  const target = join(restoreDir, `round-${round}`);
  restoreRuns.push(timed("nacre-agent backup restore ← fs", `node '${bundle}' backup restore '${key}' --target '${target}' --config '${fsConfig}' > /dev/null 2>&1`, agentEnv()));
}
rmSync(restoreDir, { recursive: true, force: true });
const ours = best(oursRuns);
const zstdAge = best(zstdAgeRuns);
const restore = best(restoreRuns);

const s3 = await startS3Server({ dir: join(benchDir, "s3"), buckets: ["bench"] });
let oursS3: Run;
try {
  const s3Config = agentConfig("bench-s3", ref.dir, { provider: "s3", endpoint: s3.endpoint, bucket: "bench", region: s3.region, accessKeyId: "${AWS_ACCESS_KEY_ID}", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}" });
  oursS3 = timed("nacre-agent backup now → local S3 (s3rver)", `node '${bundle}' backup now --force --config '${s3Config}' > /dev/null 2>&1`, agentEnv({ AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey }));
} finally {
  await s3.stop();
  rmSync(join(benchDir, "s3"), { recursive: true, force: true });
}
rmSync(out, { force: true });
const gzipSsl = timed("tar | gzip -6 | openssl enc -aes-256-ctr", `tar -C '${ref.dir}' -cf - . | gzip -6 | openssl enc -aes-256-ctr -pbkdf2 -pass pass:bench > '${out}'`);
rmSync(out, { force: true });

console.log("\npeak RSS of `backup now` by data size:");
const rssBySize: { size: number; run: Run }[] = [{ size: 1024, run: ours }];
for (const size of sizes.filter((s) => s !== 1024)) {
  const ds = dataset(size);
  mkdirSync(join(benchDir, `store-${size}`), { recursive: true });
  const cfg = agentConfig(`bench-fs-${size}`, ds.dir, { provider: "fs", path: join(benchDir, `store-${size}`) });
  rssBySize.push({ size, run: timed(`nacre-agent backup now → fs (${size} MiB set)`, `node '${bundle}' backup now --force --config '${cfg}' > /dev/null 2>&1`, agentEnv()) });
  rmSync(join(benchDir, `store-${size}`), { recursive: true, force: true });
}

console.log(`\nsummary (1 GiB reference set, best of ${ROUNDS} interleaved rounds; ratio = baseline time ÷ ours, > 1 means ours is faster)`);
const row = (label: string, r: Run, ratio?: number) =>
  console.log(`  ${label.padEnd(42)} ${r.seconds.toFixed(2).padStart(7)} s  ${mbps(ref.bytes, r.seconds).toFixed(0).padStart(5)} MB/s  ${r.rssMiB.toFixed(0).padStart(5)} MiB${ratio ? `  ratio ${ratio.toFixed(2)}` : ""}`);
row("backup now → fs", ours);
row("backup now → local S3", oursS3!);
row("restore ← fs", restore);
row("tar | zstd -T2 | age", zstdAge, zstdAge.seconds / ours.seconds);
row("tar | gzip -6 | openssl enc -aes-256-ctr", gzipSsl, gzipSsl.seconds / ours.seconds);
for (const { size, run } of rssBySize.sort((a, b) => a.size - b.size)) console.log(`  peak RSS at ${String(size).padStart(4)} MiB of data: ${run.rssMiB.toFixed(0)} MiB`);
console.log(`\ntargets: backup ≤ 1.0× zstd|age time → ${(ours.seconds / zstdAge.seconds).toFixed(2)}×; peak RSS ≤ 160 MiB → max ${Math.max(...rssBySize.map((r) => r.run.rssMiB)).toFixed(0)} MiB; restore ≥ 200 MB/s → ${mbps(ref.bytes, restore.seconds).toFixed(0)} MB/s`);
rmSync(store, { recursive: true, force: true });

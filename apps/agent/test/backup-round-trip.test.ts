import { chmodSync, existsSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { useS3Server } from "@nacre/local-stack/vitest";
import { describe, expect, it } from "vitest";
import { makeInstall, runAgent, snapshotTree } from "./cli-harness.ts";

const s3 = useS3Server({ buckets: ["backups"] });

function s3Backup(extra: Record<string, unknown> = {}) {
  const server = s3();
  return {
    schedule: "1d",
    storage: { provider: "s3", endpoint: server.endpoint, bucket: "backups", region: server.region, accessKeyId: "${AWS_ACCESS_KEY_ID}", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}", prefix: `t-${Math.random().toString(36).slice(2)}/` },
    encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}", iterations: 100_000 },
    ...extra,
  };
}

function s3Env() {
  return { AWS_ACCESS_KEY_ID: s3().accessKeyId, AWS_SECRET_ACCESS_KEY: s3().secretAccessKey };
}

// SQLite files are compared by query (a consistent copy is not a byte copy); -wal/-shm are never archived.
const withoutSqlite = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([k]) => !/\.sqlite(-wal|-shm)?$/.test(k)));

describe("backup now → list → status → verify → restore, through the bundle and a real S3 server", () => {
  it("restores to --target a tree identical to the original: content, modes, mtimes, links, unicode, empty dirs", async () => {
    const install = makeInstall(s3Backup(), s3Env());
    const ws = install.workspace;
    writeFileSync(join(ws, "secret.env"), "TOKEN=1\n");
    chmodSync(join(ws, "secret.env"), 0o600);
    writeFileSync(join(ws, "empty.txt"), "");
    symlinkSync("MEMORY.md", join(ws, "memory-link.md"));
    symlinkSync("/does/not/exist", join(ws, "dangling"));
    writeFileSync(join(ws, `${"long-name-".repeat(15)}.md`), "long\n");
    writeFileSync(join(ws, "naïve café 日本 🦀.md"), "unicode\n");
    utimesSync(join(ws, "MEMORY.md"), new Date("2025-01-02T03:04:05.678Z"), new Date("2025-01-02T03:04:05.678Z"));
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(ws, "empty-dir"));

    const now = await runAgent(["backup", "now"], install.env);
    expect(now.stderr).not.toMatch(/"level":"error"/);
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/backup complete: t-\w+\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect(now.events.some((e) => e.level === "progress")).toBe(true);

    const list = await runAgent(["backup", "list", "--json"], install.env);
    const backups = JSON.parse(list.stdout) as { key: string; size: number; created: string }[];
    expect(backups).toHaveLength(1);
    const table = await runAgent(["backup", "list"], install.env);
    expect(table.stdout.split("\n")[0]).toMatch(/^Key\s+Size\s+Created$/);

    const status = JSON.parse((await runAgent(["backup", "status", "--json"], install.env)).stdout);
    expect(status.health.status).toBe("ok");
    expect(status.lastBackup.key).toBe(backups[0]!.key);
    expect(status.encryption).toMatch(/aes-256-gcm/);
    expect(status.storage.backups).toBe(1);

    const verify = await runAgent(["backup", "verify", backups[0]!.key], install.env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/every chunk authentic, SHA-256 matches/);

    const target = join(install.root, "restored");
    // The dangling absolute link points outside the tree: refused unless asked for, and nothing is placed.
    const refused = await runAgent(["backup", "restore", backups[0]!.key, "--target", target], install.env);
    expect(refused.code).toBe(8);
    expect(refused.events.find((e) => e.level === "error")).toMatchObject({ code: "E_UNSAFE_LINK", message: expect.stringMatching(/--keep-outside-links/) });
    expect(existsSync(target)).toBe(false);
    expect(verify.stdout).toMatch(/1 symlink\(s\) point outside the backup.*workspace\/dangling -> \/does\/not\/exist/);

    const restore = await runAgent(["backup", "restore", backups[0]!.key, "--target", target, "--keep-outside-links"], install.env);
    expect(restore.code).toBe(0);
    expect(snapshotTree(join(target, "workspace"))).toEqual(snapshotTree(ws));
    expect(withoutSqlite(snapshotTree(join(target, "state")))).toEqual(withoutSqlite(snapshotTree(install.stateDir)));
    const db = new DatabaseSync(join(target, "state/memory/main.sqlite"));
    expect(db.prepare("pragma integrity_check").get()).toEqual({ integrity_check: "ok" });
    expect(db.prepare("select count(*) as n from chunks").get()).toEqual({ n: 200 });
    db.close();
    expect(readdirSync(install.root).filter((n) => n.includes("nacre-staging"))).toEqual([]);
  });

  it("without --force skips a backup that is not due, and says when the next one is", async () => {
    const install = makeInstall(s3Backup(), s3Env());
    expect((await runAgent(["backup", "now"], install.env)).code).toBe(0);
    const again = await runAgent(["backup", "now"], install.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^skipped: the last backup was at .* the next is due at .*use --force/);
    const forced = await runAgent(["backup", "now", "--force", "--json"], install.env);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).key).toBeTruthy();
    expect(JSON.parse((await runAgent(["backup", "list", "--json"], install.env)).stdout)).toHaveLength(2);
  });

  it("applies retention after each backup, never removing the one just made", async () => {
    const install = makeInstall(s3Backup({ retention: { maxBackups: 2 } }), s3Env());
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await runAgent(["backup", "now", "--force", "--json"], install.env);
      expect(r.code).toBe(0);
      keys.push(JSON.parse(r.stdout).key);
    }
    const listed = (JSON.parse((await runAgent(["backup", "list", "--json"], install.env)).stdout) as { key: string }[]).map((b) => b.key);
    expect(listed).toEqual(keys.slice(-2));
  });

  it("restores in place: verified and staged first, the old directories kept as .pre-restore-<time>", async () => {
    const install = makeInstall(s3Backup(), s3Env());
    const before = snapshotTree(install.workspace);
    const r = await runAgent(["backup", "now", "--json"], install.env);
    const { key } = JSON.parse(r.stdout);
    writeFileSync(join(install.workspace, "MEMORY.md"), "overwritten by a bad day\n");
    writeFileSync(join(install.workspace, "new-after-backup.md"), "x\n");

    const restore = await runAgent(["backup", "restore", key], install.env);
    expect(restore.code).toBe(0);
    expect(snapshotTree(install.workspace)).toEqual(before);
    const kept = readdirSync(join(install.workspace, "..")).filter((n) => n.startsWith("workspace.pre-restore-"));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(install.workspace, "..", kept[0]!, "MEMORY.md"), "utf8")).toBe("overwritten by a bad day\n");
    expect(restore.stdout).toMatch(/previous .*workspace kept at .*workspace\.pre-restore-/);
  });

  it("writes gzip when configured, and restores it", async () => {
    const install = makeInstall(s3Backup({ compression: "gzip" }), s3Env());
    const { key } = JSON.parse((await runAgent(["backup", "now", "--json"], install.env)).stdout);
    const verify = await runAgent(["backup", "verify", key, "--json"], install.env);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, encrypted: true, compression: "gzip" });
  });

  it("with encryption off, warns every run and stores a plain tar.zst that standard tools read", async () => {
    const install = makeInstall(s3Backup({ encryption: { enabled: false } }), s3Env());
    const r = await runAgent(["backup", "now", "--json"], install.env);
    expect(r.code).toBe(0);
    expect(r.events.some((e) => e.code === "W_ENCRYPTION_DISABLED")).toBe(true);
    const { key } = JSON.parse(r.stdout);
    const verify = await runAgent(["backup", "verify", key, "--json"], install.env);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, encrypted: false, compression: "zstd" });
    expect(existsSync(install.stateDir)).toBe(true);
  });
});

import { createServer } from "node:net";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeInstall, runAgent, snapshotTree } from "./cli-harness.ts";

function fsBackup(root: string, extra: Record<string, unknown> = {}) {
  const path = join(root, "store");
  mkdirSync(path, { recursive: true });
  return { schedule: "1d", storage: { provider: "fs", path }, encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}", iterations: 100_000 }, ...extra };
}

/** An install whose store is a local directory, with one backup already made. */
async function installWithBackup(extra: Record<string, unknown> = {}) {
  const probe = makeInstall({});
  const install = makeInstall(fsBackup(probe.root, extra));
  const made = await runAgent(["backup", "now", "--json"], install.env);
  expect(made.code).toBe(0);
  const { key } = JSON.parse(made.stdout) as { key: string };
  return { install, key, objectPath: join(probe.root, "store", key), storeDir: join(probe.root, "store") };
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("restore never makes things worse", () => {
  it("a flipped byte in the stored backup: exit 5, E_CHUNK_CORRUPT, the live directories untouched, no staging left", async () => {
    const { install, key, objectPath } = await installWithBackup();
    writeFileSync(join(install.workspace, "MEMORY.md"), "today's memory, newer than the backup\n");
    const before = { ws: snapshotTree(install.workspace), state: snapshotTree(install.stateDir) };
    const bytes = readFileSync(objectPath);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    writeFileSync(objectPath, bytes);

    const r = await runAgent(["backup", "restore", key], install.env);
    expect(r.code).toBe(5);
    expect(r.events.find((e) => e.level === "error")?.code).toBe("E_CHUNK_CORRUPT");
    expect(snapshotTree(install.workspace)).toEqual(before.ws);
    expect(snapshotTree(install.stateDir)).toEqual(before.state);
    expect(readdirSync(join(install.stateDir, "..")).filter((n) => /nacre-staging|pre-restore/.test(n))).toEqual([]);
  });

  it("a truncated backup: exit 5, E_TRUNCATED, and --target is never created", async () => {
    const { install, key, objectPath } = await installWithBackup();
    const bytes = readFileSync(objectPath);
    writeFileSync(objectPath, bytes.subarray(0, bytes.length - 7));
    const target = join(install.root, "restore-here");
    const r = await runAgent(["backup", "restore", key, "--target", target], install.env);
    expect(r.code).toBe(5);
    expect(r.events.find((e) => e.level === "error")?.code).toMatch(/E_TRUNCATED|E_HASH_MISMATCH/);
    expect(existsSync(target)).toBe(false);
  });

  it("the wrong passphrase: exit 5, E_WRONG_KEY, nothing written", async () => {
    const { install, key } = await installWithBackup();
    const target = join(install.root, "restore-here");
    const r = await runAgent(["backup", "restore", key, "--target", target], { ...install.env, BACKUP_PASSPHRASE: "not the passphrase" });
    expect(r.code).toBe(5);
    expect(r.events.find((e) => e.level === "error")?.code).toBe("E_WRONG_KEY");
    expect(existsSync(target)).toBe(false);
  });

  it("an unknown key: exit 4 with a pointer to `backup list`", async () => {
    const { install } = await installWithBackup();
    const r = await runAgent(["backup", "restore", "openclaw-backup/2020-01-01T00:00:00.000Z"], install.env);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/backup list/);
  });
});

describe("backup failures are loud", () => {
  it("an unreachable S3 endpoint: exit 4, recorded in status, notifyOnFailure runs the command and writes its JSON line", async () => {
    const port = await closedPort();
    const probe = makeInstall({});
    const marker = join(probe.root, "notified.txt");
    const install = makeInstall({
      storage: { provider: "s3", endpoint: `http://127.0.0.1:${port}`, bucket: "b", region: "us-east-1", accessKeyId: "${AWS_ACCESS_KEY_ID}", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}" },
      encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}", iterations: 100_000 },
      notifyOnFailure: { command: `printf '%s %s' "$NACRE_EVENT" "$NACRE_ERROR_CODE" > '${marker}'` },
    }, { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" });

    const r = await runAgent(["backup", "now"], install.env);
    expect(r.code).toBe(4);
    const notice = r.events.find((e) => e.notify === true);
    expect(notice).toMatchObject({ event: "backup.failed", code: "E_NETWORK" });
    expect(readFileSync(marker, "utf8")).toBe("backup.failed E_NETWORK");

    const status = await runAgent(["backup", "status", "--json"], install.env);
    expect(JSON.parse(status.stdout).health.status).toBe("error");
  });

  // Root reads everything, so this can only be shown as an ordinary user.
  it.skipIf(process.getuid?.() === 0)("a source file it cannot read fails the backup (exit 6) instead of silently skipping it", async () => {
    const { install } = await installWithBackup();
    const locked = join(install.workspace, "locked");
    mkdirSync(locked);
    writeFileSync(join(locked, "x.md"), "x");
    chmodSync(locked, 0o000);
    try {
      const r = await runAgent(["backup", "now", "--force"], install.env);
      expect(r.code).toBe(6);
      expect(r.events.find((e) => e.level === "error")?.code).toBe("E_UNREADABLE");
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it("a store directory that does not exist: exit 4, E_NO_DIR naming it, nothing left in the temp dir", async () => {
    const probe = makeInstall({});
    const tmp = join(probe.root, "tmp");
    mkdirSync(tmp);
    const install = makeInstall({ storage: { provider: "fs", path: join(probe.root, "not-mounted") }, encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}", iterations: 100_000 } }, { TMPDIR: tmp });
    const r = await runAgent(["backup", "now"], install.env);
    expect(r.code).toBe(4);
    expect(r.events.find((e) => e.level === "error")).toMatchObject({ code: "E_NO_DIR", message: expect.stringMatching(/not-mounted/) });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a root that does not exist: exit 6, E_ROOT_MISSING naming it, a clean error and nothing stored", async () => {
    // The archive starts while the key is derived; its first error must still come out as this one.
    const probe = makeInstall({});
    const gone = join(probe.root, "gone");
    const install = makeInstall(fsBackup(probe.root, { include: { extraPaths: [gone] } }));
    const r = await runAgent(["backup", "now", "--force"], install.env);
    expect(r.events.find((e) => e.level === "error")).toMatchObject({ code: "E_ROOT_MISSING", message: expect.stringContaining(gone) });
    expect(r.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(r.code).toBe(6);
    expect(readdirSync(join(probe.root, "store"))).toEqual([]);
  });

  it("another run holding the lock: exit 7, E_BUSY", async () => {
    const { install } = await installWithBackup();
    writeFileSync(join(install.env.NACRE_AGENT_STATE_DIR!, "lock"), JSON.stringify({ pid: process.pid, purpose: "backup", since: new Date().toISOString() }));
    const r = await runAgent(["backup", "now", "--force"], install.env);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/E_BUSY/);
  });

  it("a lock left by a dead process is taken over", async () => {
    const { install } = await installWithBackup();
    writeFileSync(join(install.env.NACRE_AGENT_STATE_DIR!, "lock"), JSON.stringify({ pid: 2 ** 22 + 12345, purpose: "backup", since: "2020-01-01T00:00:00Z" }));
    expect((await runAgent(["backup", "now", "--force"], install.env)).code).toBe(0);
  });
});

describe("config and usage errors name the problem", () => {
  it("an unset ${VAR}: exit 3, naming the path and the variable", async () => {
    const probe = makeInstall({});
    const install = makeInstall(fsBackup(probe.root));
    const r = await runAgent(["backup", "now"], { ...install.env, BACKUP_PASSPHRASE: "" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_CONFIG_VAR/);
    expect(r.stderr).toMatch(/backup\.encryption\.passphrase/);
    expect(r.stderr).toMatch(/BACKUP_PASSPHRASE/);
  });

  it("an unknown field: exit 3 with the path", async () => {
    const probe = makeInstall({});
    const install = makeInstall(fsBackup(probe.root, { retension: { maxBackups: 3 } }));
    const r = await runAgent(["backup", "status"], install.env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/retension/);
    expect(r.stderr).toMatch(/retention/);
  });

  it("unknown commands and flags: exit 2 with a hint", async () => {
    const env = { HOME: "/nonexistent" };
    for (const args of [["backup", "nwo"], ["frobnicate"], ["backup", "list", "--target", "x"], ["backup", "restore"], ["backup", "now", "--bogus"]]) {
      const r = await runAgent(args, env);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/E_USAGE.*|nacre-agent help/);
    }
    const help = await runAgent(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/backup restore <key> \[--target DIR\]/);
  });
});

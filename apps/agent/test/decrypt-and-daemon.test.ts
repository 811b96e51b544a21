import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEncryptStream, unwrapDataKey, wrapDataKey, generateDataKey } from "@nacre/snapshot";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BUNDLE, makeInstall, runAgent } from "./cli-harness.ts";

function fsInstall(extra: Record<string, unknown> = {}) {
  const probe = makeInstall({});
  const store = join(probe.root, "store");
  mkdirSync(store);
  const install = makeInstall({ schedule: "1d", storage: { provider: "fs", path: store }, encryption: { enabled: true, passphrase: "${BACKUP_PASSPHRASE}", iterations: 100_000 }, ...extra });
  return { install, store };
}

async function encrypt(plain: Buffer, key: Parameters<typeof createEncryptStream>[0]["key"]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of Readable.from([plain]).pipe(await createEncryptStream({ key, contentType: "tar+zstd" }))) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("decrypt <file>", () => {
  it("turns a downloaded backup into a tar that GNU tar lists, with the passphrase from an env var", async () => {
    const { install, store } = fsInstall();
    const { key } = JSON.parse((await runAgent(["backup", "now", "--json"], install.env)).stdout);
    const blob = join(install.root, "export.nacre");
    writeFileSync(blob, readFileSync(join(store, key)));
    const out = join(install.root, "export.tar");
    const r = await runAgent(["decrypt", blob, "-o", out, "--passphrase-env", "MY_PASS"], { HOME: install.root, MY_PASS: install.env.BACKUP_PASSPHRASE! });
    expect(r.code).toBe(0);
    const listing = execFileSync("tar", ["-tf", out], { encoding: "utf8" });
    expect(listing).toMatch(/^workspace\/memory\/2026-11-21\.md$/m);
    expect(listing).toMatch(/^state\/openclaw\.json$/m);
  });

  it("a tampered file fails with exit 5 and leaves neither the output nor a .partial", async () => {
    const { install, store } = fsInstall();
    const { key } = JSON.parse((await runAgent(["backup", "now", "--json"], install.env)).stdout);
    const bytes = readFileSync(join(store, key));
    bytes[bytes.length - 30]! ^= 1;
    const blob = join(install.root, "bad.nacre");
    writeFileSync(blob, bytes);
    const r = await runAgent(["decrypt", blob], install.env);
    expect(r.code).toBe(5);
    expect(readdirSync(install.root).filter((n) => n.startsWith("bad.nacre."))).toEqual([]);
  });

  it("refuses to overwrite an existing output", async () => {
    const { install, store } = fsInstall();
    const { key } = JSON.parse((await runAgent(["backup", "now", "--json"], install.env)).stdout);
    const out = join(install.root, "exists.tar");
    writeFileSync(out, "precious");
    const r = await runAgent(["decrypt", join(store, key), "-o", out], install.env);
    expect(r.code).toBe(2);
    expect(readFileSync(out, "utf8")).toBe("precious");
  });

  it("opens a managed (control-plane) snapshot offline with the customer key", async () => {
    const { install } = fsInstall();
    const customerKey = generateDataKey();
    const dataKey = generateDataKey();
    const tar = execFileSync("tar", ["-C", install.workspace, "-cf", "-", "MEMORY.md"]);
    const { zstdCompressSync } = await import("node:zlib");
    const blob = await encrypt(zstdCompressSync(tar), { mode: "managed", keyId: "cust-1/v1", dataKey, wrappedKey: wrapDataKey(customerKey, dataKey) });
    expect(Buffer.from(unwrapDataKey(customerKey, wrapDataKey(customerKey, dataKey))).equals(Buffer.from(dataKey))).toBe(true);
    writeFileSync(join(install.root, "managed.nacre"), blob);
    writeFileSync(join(install.root, "customer.key"), Buffer.from(customerKey).toString("hex"), { mode: 0o600 });
    const out = join(install.root, "managed.tar");
    const r = await runAgent(["decrypt", join(install.root, "managed.nacre"), "-o", out, "--customer-key-file", join(install.root, "customer.key")], { HOME: install.root });
    expect(r.code).toBe(0);
    expect(execFileSync("tar", ["-xOf", out, "MEMORY.md"], { encoding: "utf8" })).toBe(readFileSync(join(install.workspace, "MEMORY.md"), "utf8"));

    writeFileSync(join(install.root, "other.key"), Buffer.from(generateDataKey()).toString("hex"), { mode: 0o600 });
    const wrong = await runAgent(["decrypt", join(install.root, "managed.nacre"), "-o", `${out}.2`, "--customer-key-file", join(install.root, "other.key")], { HOME: install.root });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/E_WRONG_KEY/);
    expect(existsSync(`${out}.2`)).toBe(false);
  });

  it("refuses a key file readable by others", async () => {
    const { install } = fsInstall();
    writeFileSync(join(install.root, "loose.key"), "secret", { mode: 0o644 });
    const blob = join(install.root, "some.nacre");
    writeFileSync(blob, await encrypt(Buffer.from("x"), { mode: "keyfile", passphrase: "secret", iterations: 100_000 }));
    const r = await runAgent(["decrypt", blob, "--key-file", join(install.root, "loose.key")], { HOME: install.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_KEYFILE_PERMISSIONS/);
    expect(r.stderr).toMatch(/chmod 600/);
    expect(existsSync(`${blob}.tar`)).toBe(false);
  });
});

describe("restore refuses a hostile archive", () => {
  it("a backup whose tar escapes with ../ is refused (exit 8) before anything is placed", async () => {
    const { install, store } = fsInstall();
    // A hand-made tar entry "../escape.txt", sealed with the right passphrase as an attacker with bucket access would.
    const header = Buffer.alloc(512);
    header.write("../escape.txt", 0);
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write("00000000004\0", 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148);
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    const tar = Buffer.concat([header, Buffer.from("evil"), Buffer.alloc(508), Buffer.alloc(1024)]);
    const { zstdCompressSync } = await import("node:zlib");
    const blob = await encrypt(zstdCompressSync(tar), { mode: "passphrase", passphrase: install.env.BACKUP_PASSPHRASE!, iterations: 100_000 });
    const key = "openclaw-backup/2026-01-01T00:00:00.000Z";
    mkdirSync(join(store, "openclaw-backup"), { recursive: true });
    writeFileSync(join(store, key), blob);
    const target = join(install.root, "t", "restore");
    mkdirSync(join(install.root, "t"));
    const r = await runAgent(["backup", "restore", key, "--target", target], install.env);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/E_UNSAFE_PATH/);
    expect(existsSync(join(install.root, "t", "escape.txt"))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });
});

describe("backup daemon", () => {
  it("backs up when due, keeps running, and stops cleanly on SIGTERM", async () => {
    const { install, store } = fsInstall({ schedule: "6h" });
    const child = spawn(process.execPath, [BUNDLE, "backup", "daemon"], { env: { PATH: process.env.PATH ?? "", ...install.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 60_000;
    while (!/next backup at/.test(stderr.split("backup complete")[1] ?? "") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/"message":"backup complete: openclaw-backup\//);
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/daemon stopped/);
    expect(readdirSync(join(store, "openclaw-backup")).filter((n) => !n.endsWith(".meta.json"))).toHaveLength(1);
  });

  it("refuses to start on an invalid config, so the service manager shows the failure (exit 3)", async () => {
    const { install } = fsInstall({ schedule: "every tuesday" });
    const r = await runAgent(["backup", "daemon"], install.env, { timeoutMs: 20_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/schedule/);
  });
});

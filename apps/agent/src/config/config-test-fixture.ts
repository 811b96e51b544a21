// Test support (imported only by *.test.ts): a throwaway home directory with real files, and loadConfig
// called with an explicit env so no test depends on the machine it runs on.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "./config-error.ts";
import { loadConfig } from "./load-config.ts";
import type { LoadedConfig } from "./load-config.ts";
import type { Env } from "./substitute-env.ts";

/** A `backup` section that loads as-is given BACKUP_PASSPHRASE; tests spread their changes over it. */
export const MINIMAL_BACKUP = {
  storage: { provider: "fs", path: "/srv/backups" },
  encryption: { passphrase: "${BACKUP_PASSPHRASE}" },
};

export const BASE_ENV: Env = { BACKUP_PASSPHRASE: "correct horse battery staple" };

export interface Sandbox {
  /** Fake home directory (its .openclaw/ holds the default config). */
  home: string;
  /** Working directory for relative --config and $OPENCLAW_STATE_DIR. */
  cwd: string;
  /** home/.openclaw */
  defaultStateDir: string;
  /** Writes `content` (string as-is, anything else as JSON) to `file` relative to home; returns its path. */
  write(file: string, content: unknown): Promise<string>;
  /** Writes { backup } (plus `extra` top-level keys) to ~/.openclaw/openclaw.json. */
  writeBackup(backup: unknown, extra?: Record<string, unknown>): Promise<string>;
  mkdir(dir: string): Promise<string>;
  load(options?: { env?: Env; configPath?: string }): Promise<LoadedConfig>;
  /** Runs load and returns the ConfigError it must throw. */
  loadError(options?: { env?: Env; configPath?: string }): Promise<ConfigError>;
  cleanup(): Promise<void>;
}

/** Creates a fresh sandbox under the OS temp directory. */
export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(path.join(tmpdir(), "nacre-config-"));
  const home = path.join(root, "home");
  const cwd = path.join(root, "cwd");
  await mkdir(path.join(home, ".openclaw"), { recursive: true });
  await mkdir(cwd, { recursive: true });

  const sandbox: Sandbox = {
    home,
    cwd,
    defaultStateDir: path.join(home, ".openclaw"),
    async write(file, content) {
      const target = path.resolve(home, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, typeof content === "string" ? content : JSON.stringify(content, null, 2));
      return target;
    },
    writeBackup(backup, extra = {}) {
      return sandbox.write(".openclaw/openclaw.json", { ...extra, backup });
    },
    async mkdir(dir) {
      const target = path.resolve(home, dir);
      await mkdir(target, { recursive: true });
      return target;
    },
    load({ env = BASE_ENV, configPath } = {}) {
      return loadConfig({ env, homeDir: home, cwd, ...(configPath === undefined ? {} : { configPath }) });
    },
    async loadError(options) {
      try {
        await sandbox.load(options);
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error("expected loadConfig to throw a ConfigError");
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  return sandbox;
}

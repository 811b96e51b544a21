import path from "node:path";
import { expandPath } from "./expand-path.ts";
import type { Env } from "./substitute-env.ts";

export type ConfigSource = "flag" | "OPENCLAW_CONFIG_PATH" | "OPENCLAW_STATE_DIR" | "default";

export interface LocateConfigInput {
  configPath?: string;
  env: Env;
  homeDir: string;
  cwd: string;
}

export interface LocatedConfig {
  /** Absolute path of the openclaw.json to read. */
  path: string;
  /** How it was chosen, so messages can say "from $OPENCLAW_STATE_DIR" and stateDir can follow it. */
  source: ConfigSource;
}

/**
 * Picks the one openclaw.json to read: --config FILE, else $OPENCLAW_CONFIG_PATH, else
 * $OPENCLAW_STATE_DIR/openclaw.json, else ~/.openclaw/openclaw.json (home = $OPENCLAW_HOME or the user's).
 */
export function locateConfig({ configPath, env, homeDir, cwd }: LocateConfigInput): LocatedConfig {
  const home = openclawHome(env, homeDir, cwd);
  // No fallback down the list when the chosen file is missing: OpenClaw itself reads only that file, and
  // backing up the config of a different OpenClaw install would look like success while protecting nothing.
  if (configPath !== undefined && configPath !== "") {
    return { path: expandPath(configPath, { homeDir: home, baseDir: cwd, where: "--config" }), source: "flag" };
  }
  const fromEnv = env.OPENCLAW_CONFIG_PATH;
  if (fromEnv !== undefined && fromEnv !== "") {
    return {
      path: expandPath(fromEnv, { homeDir: home, baseDir: cwd, where: "$OPENCLAW_CONFIG_PATH" }),
      source: "OPENCLAW_CONFIG_PATH",
    };
  }
  const stateDir = env.OPENCLAW_STATE_DIR;
  if (stateDir !== undefined && stateDir !== "") {
    const dir = expandPath(stateDir, { homeDir: home, baseDir: cwd, where: "$OPENCLAW_STATE_DIR" });
    return { path: path.join(dir, "openclaw.json"), source: "OPENCLAW_STATE_DIR" };
  }
  return { path: path.join(home, ".openclaw", "openclaw.json"), source: "default" };
}

/** OpenClaw's home directory: $OPENCLAW_HOME when set (service accounts use it), else the user's home. */
export function openclawHome(env: Env, homeDir: string, cwd: string): string {
  const override = env.OPENCLAW_HOME;
  if (override === undefined || override === "") return path.resolve(homeDir);
  return expandPath(override, { homeDir, baseDir: cwd, where: "$OPENCLAW_HOME" });
}

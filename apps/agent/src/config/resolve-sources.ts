import { stat } from "node:fs/promises";
import path from "node:path";
import type { BackupConfig } from "./backup-config.ts";
import { ConfigError, invalidConfig } from "./config-error.ts";
import { expandPath } from "./expand-path.ts";
import { valueAt } from "./format-path.ts";
import type { ConfigSource } from "./locate-config.ts";
import { substituteEnv } from "./substitute-env.ts";
import type { Env } from "./substitute-env.ts";

export interface ResolveSourcesInput {
  include: BackupConfig["include"];
  /** The whole openclaw.json, for agents.defaults.workspace. */
  root: unknown;
  configPath: string;
  configSource: ConfigSource;
  env: Env;
  /** OpenClaw's home ($OPENCLAW_HOME or the user's home). */
  home: string;
  cwd: string;
}

export interface ResolvedSources {
  /** null when include.stateDir is false. */
  stateDir: string | null;
  workspace: string | null;
  extraPaths: string[];
}

/** Resolves what is backed up: the state directory, the workspace and the extra paths, all absolute. */
export async function resolveSources(input: ResolveSourcesInput): Promise<ResolvedSources> {
  const { include, home } = input;
  const configDir = path.dirname(input.configPath);
  const inFile = (raw: string, where: string) => expandPath(raw, { homeDir: home, baseDir: configDir, where });

  // Resolved even when it is not archived: the default workspace lives inside it.
  const stateDir = resolveStateDir(input, inFile);
  const workspace =
    include.workspace === false
      ? null
      : typeof include.workspace === "string"
        ? inFile(include.workspace, "backup.include.workspace")
        : await defaultWorkspace(input, stateDir, inFile);
  const extraPaths = include.extraPaths.map((p, i) => inFile(p, `backup.include.extraPaths[${i}]`));

  if (include.stateDir === false && workspace === null && extraPaths.length === 0) {
    throw invalidConfig(
      ["backup.include: nothing to back up — stateDir is false, no workspace was found and extraPaths is empty"],
      input.configPath,
    );
  }
  return { stateDir: include.stateDir === false ? null : stateDir, workspace, extraPaths };
}

function resolveStateDir(input: ResolveSourcesInput, inFile: (raw: string, where: string) => string): string {
  const { include, env, home, cwd, configPath, configSource } = input;
  if (typeof include.stateDir === "string") return inFile(include.stateDir, "backup.include.stateDir");
  const fromEnv = env.OPENCLAW_STATE_DIR;
  if (fromEnv !== undefined && fromEnv !== "") {
    return expandPath(fromEnv, { homeDir: home, baseDir: cwd, where: "$OPENCLAW_STATE_DIR" });
  }
  // OpenClaw keeps openclaw.json at the top of its state directory, so `--config /srv/oc/openclaw.json`
  // (typically a service whose OPENCLAW_STATE_DIR the agent does not inherit) names the state dir too.
  // $OPENCLAW_CONFIG_PATH does not: OpenClaw itself keeps its state in ~/.openclaw then.
  if (configSource === "flag" && path.basename(configPath) === "openclaw.json") return path.dirname(configPath);
  return path.join(home, ".openclaw");
}

// include.workspace: true → the workspace OpenClaw uses: agents.defaults.workspace when set, else its
// default <stateDir>/workspace, but only if that directory exists (a fresh install may not have one yet,
// and a missing default is not the user's mistake).
async function defaultWorkspace(
  input: ResolveSourcesInput,
  stateDir: string,
  inFile: (raw: string, where: string) => string,
): Promise<string | null> {
  const where = ["agents", "defaults", "workspace"];
  const configured = valueAt(input.root, where);
  if (configured !== undefined && configured !== null) {
    if (typeof configured !== "string" || configured === "") {
      throw invalidConfig(
        ["agents.defaults.workspace: expected a path (or set backup.include.workspace to choose one)"],
        input.configPath,
      );
    }
    // Substituted only here, when it is used: the agent's environment need not carry OpenClaw's variables.
    return inFile(substituteEnv(configured, input.env, where) as string, "agents.defaults.workspace");
  }
  const fallback = path.join(stateDir, "workspace");
  return (await isDirectory(fallback)) ? fallback : null;
}

// Only "not there" means "no workspace"; any other failure (EACCES…) would silently drop the workspace
// from every backup, so it is reported instead.
async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw new ConfigError(
      "E_CONFIG_READ",
      `cannot check the workspace ${dir}: ${code ?? String(error)} — give the agent's user access to it, ` +
        "or set backup.include.workspace",
      { paths: [dir], cause: error },
    );
  }
}

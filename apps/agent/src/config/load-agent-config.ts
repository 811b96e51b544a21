import path from "node:path";
import { AgentConfig, DEFAULT_AGENT_CONFIG_PATH } from "./agent-config.ts";
import type { ResolvedAgentConfig } from "./agent-config.ts";
import { invalidConfig } from "./config-error.ts";
import { expandPath } from "./expand-path.ts";
import { formatIssues } from "./format-issues.ts";
import { describeType } from "./format-path.ts";
import { readJson5File } from "./read-json5-file.ts";
import { substituteEnv } from "./substitute-env.ts";
import type { Env } from "./substitute-env.ts";

const DOCS = "docs/agent-daemon.md";

export interface LoadAgentConfigInput {
  /** The CLI's --agent-config FILE; relative to cwd. */
  configPath?: string;
  /** Read for $NACRE_AGENT_CONFIG and ${VAR} references; passed in so only main.ts touches process.env. */
  env: Env;
  homeDir: string;
  cwd: string;
}

/**
 * Finds (--agent-config, else $NACRE_AGENT_CONFIG, else /etc/nacre/agent.json), reads, substitutes,
 * validates and resolves the managed-mode agent config. Relative paths inside the file are relative to it.
 */
export async function loadAgentConfig(input: LoadAgentConfigInput): Promise<ResolvedAgentConfig> {
  const { file, how } = locate(input);
  const raw = await readJson5File(
    file,
    `(${how}) — the VM's installer writes it; see ${DOCS}, or pass --agent-config FILE`,
  );
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidConfig([`(top level): expected an object { … }, got ${describeType(raw)}`], file, DOCS);
  }
  const substituted = substituteEnv(raw, input.env, []);
  const parsed = AgentConfig.safeParse(substituted);
  if (!parsed.success) {
    throw invalidConfig(formatIssues({ issues: parsed.error.issues, schema: AgentConfig, input: substituted, basePath: [] }), file, DOCS);
  }
  const config = parsed.data;
  const baseDir = path.dirname(file);
  const resolve = (raw: string, where: string) => expandPath(raw, { homeDir: input.homeDir, baseDir, where });
  const stateDir = resolve(config.stateDir, "stateDir");
  return {
    configPath: file,
    gatewayUrl: config.gatewayUrl,
    stateDir,
    identityFile: config.identityFile === undefined ? path.join(stateDir, "identity.json") : resolve(config.identityFile, "identityFile"),
    dataDir: resolve(config.dataDir, "dataDir"),
    app: config.app,
    restore: config.restore,
    exclude: config.exclude,
    compression: config.compression,
  };
}

function locate({ configPath, env, homeDir, cwd }: LoadAgentConfigInput): { file: string; how: string } {
  if (configPath !== undefined && configPath !== "") {
    return { file: expandPath(configPath, { homeDir, baseDir: cwd, where: "--agent-config" }), how: "given with --agent-config" };
  }
  const fromEnv = env.NACRE_AGENT_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "") {
    return { file: expandPath(fromEnv, { homeDir, baseDir: cwd, where: "$NACRE_AGENT_CONFIG" }), how: "from $NACRE_AGENT_CONFIG" };
  }
  return { file: DEFAULT_AGENT_CONFIG_PATH, how: "the default location" };
}

import * as z from "zod";

// The managed-mode agent's own config file (JSON5, /etc/nacre/agent.json by default), written by the VM's
// installer. Strict like the `backup` section of openclaw.json: a misspelt field is reported, never ignored,
// because a typo in `dataDir` or `exclude` would silently change what is backed up.

export const DEFAULT_AGENT_CONFIG_PATH = "/etc/nacre/agent.json";
export const DEFAULT_STATE_DIR = "/var/lib/nacre-agent";
export const DEFAULT_DATA_DIR = "/data";

const NonEmpty = z.string().min(1, "must not be empty");

/** A program and its arguments, run without a shell (so nothing in it is ever interpreted). */
const Argv = z.array(NonEmpty).min(1, 'must name the program to run, e.g. ["systemctl", "stop", "openclaw"]');

/** The URL the agent dials: ws:// or wss://, path ending in /agent. */
export const GatewayUrl = z.string().superRefine((text, ctx) => {
  const problem = gatewayUrlProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** The agent config file as written, after ${VAR} substitution, with defaults filled in. */
export const AgentConfig = z.strictObject({
  gatewayUrl: GatewayUrl.optional(),
  stateDir: NonEmpty.default(DEFAULT_STATE_DIR),
  identityFile: NonEmpty.optional(),
  dataDir: NonEmpty.default(DEFAULT_DATA_DIR),
  app: z
    .strictObject({
      pauseCommand: Argv.optional(),
      resumeCommand: Argv.optional(),
      statusCommand: Argv.optional(),
      /** Run after a restore: exit 0 means the app works on the restored data; retried until restore.healthTimeoutSeconds. */
      healthCommand: Argv.optional(),
    })
    .prefault({}),
  restore: z
    .strictObject({
      /** How long the health command may keep failing after a restore before the restore is rolled back. */
      healthTimeoutSeconds: z.int().min(1).max(3600).default(120),
      /** How long the replaced /data contents are kept (in <dataDir>/.nacre-pre-restore-<id>/) after a successful restore. */
      keepPreviousHours: z.number().min(0).max(24 * 30).default(24),
    })
    .prefault({}),
  exclude: z.array(NonEmpty).default([]),
  compression: z.enum(["zstd", "gzip"]).default("zstd"),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** The agent config with every path absolute and the identity file's default applied. */
export interface ResolvedAgentConfig {
  /** Absolute path of the file that was read. */
  configPath: string;
  /** From the file; undefined means "the gateway recorded at enrollment". */
  gatewayUrl: string | undefined;
  stateDir: string;
  identityFile: string;
  dataDir: string;
  app: AgentConfig["app"];
  restore: AgentConfig["restore"];
  exclude: string[];
  compression: "zstd" | "gzip";
}

/** Why `text` is not a usable gateway URL, or undefined when it is. */
export function gatewayUrlProblem(text: string): string | undefined {
  const example = '(e.g. "wss://gateway.example.com/agent")';
  if (!URL.canParse(text)) return `must be a ws:// or wss:// URL ending in /agent ${example}`;
  const url = new URL(text);
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return `must start with ws:// or wss://, not ${url.protocol}// ${example}`;
  if (!url.pathname.endsWith("/agent")) return `must end in /agent ${example}`;
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password: the agent authenticates with its identity key";
  if (url.hash !== "") return "must not have a #fragment";
  return undefined;
}

// The agent's config: the `backup` section of OpenClaw's openclaw.json. loadConfig is the only entry the
// composition root needs; the rest is exported for `backup status` and for tests of callers.

export { BackupConfig } from "./backup-config.ts";
export { ConfigError } from "./config-error.ts";
export type { ConfigErrorCode, ConfigWarning, ConfigWarningCode } from "./config-error.ts";
export { describeConfig, formatConfigLines } from "./describe-config.ts";
export type { ConfigLine } from "./describe-config.ts";
export { loadConfig } from "./load-config.ts";
export type { LoadConfigInput, LoadedConfig } from "./load-config.ts";
export { locateConfig } from "./locate-config.ts";
export type { ConfigSource, LocatedConfig } from "./locate-config.ts";
export { DEFAULT_MAX_BACKUPS } from "./resolve-config.ts";
export type { ResolvedConfig, ResolvedEncryption, ResolvedNotify, ResolvedStorage } from "./resolved-config.ts";

// The managed-mode agent's config file (enroll, run): its own file, not openclaw.json.
export { AgentConfig, gatewayUrlProblem } from "./agent-config.ts";
export type { ResolvedAgentConfig } from "./agent-config.ts";
export { loadAgentConfig } from "./load-agent-config.ts";
export type { LoadAgentConfigInput } from "./load-agent-config.ts";

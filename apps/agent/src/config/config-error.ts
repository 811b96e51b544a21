// Errors and warnings of the config loader. Codes are stable: docs/configuration.md lists them and scripts
// may match on them, so rename a code only together with the docs.

export type ConfigErrorCode =
  | "E_CONFIG_MISSING"
  | "E_CONFIG_READ"
  | "E_CONFIG_SYNTAX"
  | "E_CONFIG_NO_BACKUP"
  | "E_CONFIG_VAR"
  | "E_CONFIG_INVALID";

export interface ConfigErrorOptions {
  /** One line per problem, each starting with the JSON path it is about (E_CONFIG_INVALID lists them all). */
  problems?: readonly string[];
  /** The files that were looked for (E_CONFIG_MISSING). */
  paths?: readonly string[];
  cause?: unknown;
}

/** A config problem the user has to fix; `message` says what is wrong and what to do about it. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: readonly string[];
  readonly paths: readonly string[];
  override readonly name = "ConfigError";

  constructor(code: ConfigErrorCode, message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
    this.paths = options.paths ?? [];
  }
}

export type ConfigWarningCode = "W_LITERAL_SECRET" | "W_ENCRYPTION_DISABLED" | "W_BACKUP_DISABLED";

/** Something that works but that the user most likely does not want; returned by loadConfig, never printed by it. */
export interface ConfigWarning {
  code: ConfigWarningCode;
  /** JSON path the warning is about, e.g. "backup.storage.secretAccessKey". */
  path: string;
  message: string;
}

/** E_CONFIG_INVALID listing every problem on its own line, so one run shows all there is to fix. */
export function invalidConfig(problems: readonly string[], file?: string, docs = "docs/configuration.md"): ConfigError {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const where = file === undefined ? "the configuration" : file;
  return new ConfigError(
    "E_CONFIG_INVALID",
    `${where} has ${count} to fix (${docs} describes every field):\n  - ${problems.join("\n  - ")}`,
    { problems, paths: file === undefined ? [] : [file] },
  );
}

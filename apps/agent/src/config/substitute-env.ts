import { ConfigError } from "./config-error.ts";
import { formatPath } from "./format-path.ts";
import type { PathSegment } from "./format-path.ts";

// The same rules as OpenClaw's own substitution, so one openclaw.json means one thing to both programs:
// ${NAME} with NAME in [A-Z_][A-Z0-9_]*, and $${NAME} for a literal ${NAME}. Two deliberate differences:
// a missing or empty variable is an error (OpenClaw only warns; a backup with an empty passphrase or key
// must not start), and a ${…} that is not a valid name is an error rather than silently left in place.
const REFERENCE = /(\$?)\$\{([^}]*)\}/g;
const NAME = /^[A-Z_][A-Z0-9_]*$/;

export type Env = Readonly<Record<string, string | undefined>>;

/** Returns `value` with ${VAR} replaced in every string it contains; throws E_CONFIG_VAR on a missing variable. */
export function substituteEnv(value: unknown, env: Env, path: readonly PathSegment[]): unknown {
  if (typeof value === "string") return substituteString(value, env, path);
  if (Array.isArray(value)) return value.map((item, index) => substituteEnv(item, env, [...path, index]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, [...path, key])]),
    );
  }
  return value;
}

/** True when `text` contains at least one ${VAR} reference (an escaped $${VAR} does not count). */
export function hasEnvReference(text: string): boolean {
  for (const match of text.matchAll(REFERENCE)) {
    if (match[1] === "" && NAME.test(match[2] ?? "")) return true;
  }
  return false;
}

function substituteString(text: string, env: Env, path: readonly PathSegment[]): string {
  return text.replace(REFERENCE, (whole, escape: string, name: string) => {
    if (escape === "$") return whole.slice(1);
    const where = formatPath(path);
    if (!NAME.test(name)) {
      throw new ConfigError(
        "E_CONFIG_VAR",
        `${where}: "\${${name}}" is not a valid variable reference — names use A-Z, 0-9 and _ ` +
          `and do not start with a digit; write "$\${${name}}" if you meant the literal text`,
      );
    }
    const resolved = env[name];
    if (resolved === undefined || resolved === "") {
      throw new ConfigError(
        "E_CONFIG_VAR",
        `${where} refers to \${${name}}, but ${name} is ${resolved === undefined ? "not set" : "empty"} — ` +
          `set ${name} in the agent's environment (for the systemd service: its EnvironmentFile)`,
      );
    }
    return resolved;
  });
}

// The managed-mode commands: `enroll` (once, when a VM is provisioned) and `run` (the daemon that dials
// the control plane's gateway). Both read the agent config (--agent-config FILE), not openclaw.json.
import type { Command } from "./parse-command.ts";
import { strictParse, usage } from "./strict-parse.ts";

/** `enroll --token T [--gateway URL] [--force] [--agent-config FILE]`; the token may also come from the environment. */
export function parseEnroll(rest: string[]): Command {
  const { values, positionals } = strictParse(rest, {
    "agent-config": { type: "string" },
    token: { type: "string" },
    gateway: { type: "string" },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return { name: "help", topic: "enroll" };
  if (positionals.length > 0) throw usage(`"enroll" takes no argument "${positionals[0]}" (give the token as --token T)`);
  for (const name of ["token", "gateway", "agent-config"]) {
    if (values[name] === "") throw usage(`--${name} must not be empty`);
  }
  return {
    name: "enroll",
    agentConfig: values["agent-config"] as string | undefined,
    token: values.token as string | undefined,
    gateway: values.gateway as string | undefined,
    force: values.force === true,
  };
}

/** `run [--agent-config FILE]`. */
export function parseRun(rest: string[]): Command {
  const { values, positionals } = strictParse(rest, {
    "agent-config": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return { name: "help", topic: "run" };
  if (positionals.length > 0) throw usage(`"run" takes no argument "${positionals[0]}"`);
  if (values["agent-config"] === "") throw usage("--agent-config must not be empty");
  return { name: "run", agentConfig: values["agent-config"] as string | undefined };
}

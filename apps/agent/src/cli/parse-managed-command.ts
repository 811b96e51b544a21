// The managed-mode commands: `enroll` (once, when a VM is provisioned), `run` (the daemon that dials
// the control plane's gateway) and `wait-ready` (the app's ExecStartPre on a fresh VM). All read the
// agent config (--agent-config FILE), not openclaw.json.
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

/** The default of `wait-ready --timeout`: a restore of a few GB takes minutes; the control plane may be slow to start it. */
export const WAIT_READY_DEFAULT_SECONDS = 30 * 60;

/** `wait-ready [--timeout 30m] [--agent-config FILE]`; the timeout in seconds, or with s, m or h. */
export function parseWaitReady(rest: string[]): Command {
  const { values, positionals } = strictParse(rest, {
    "agent-config": { type: "string" },
    timeout: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return { name: "help", topic: "wait-ready" };
  if (positionals.length > 0) throw usage(`"wait-ready" takes no argument "${positionals[0]}"`);
  if (values["agent-config"] === "") throw usage("--agent-config must not be empty");
  const timeout = values.timeout as string | undefined;
  let timeoutSeconds = WAIT_READY_DEFAULT_SECONDS;
  if (timeout !== undefined) {
    const match = /^(\d{1,7})(s|m|min|h)?$/.exec(timeout);
    if (!match) throw usage(`--timeout ${JSON.stringify(timeout)}: expected seconds, or a number with s, m or h (e.g. 90s, 30m, 2h)`);
    const unit = match[2] === "h" ? 3600 : match[2] === "m" || match[2] === "min" ? 60 : 1;
    timeoutSeconds = Number(match[1]) * unit;
  }
  return { name: "wait-ready", agentConfig: values["agent-config"] as string | undefined, timeoutSeconds };
}

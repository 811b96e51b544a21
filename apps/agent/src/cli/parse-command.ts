import { parseEnroll, parseRun, parseWaitReady } from "./parse-managed-command.ts";
import { strictParse, usage } from "./strict-parse.ts";

export type Command =
  | { name: "help"; topic?: string }
  | { name: "version" }
  | { name: "backup.now"; config?: string; force: boolean; json: boolean }
  | { name: "backup.list"; config?: string; json: boolean }
  | { name: "backup.status"; config?: string; json: boolean }
  | { name: "backup.restore"; config?: string; key: string; target?: string; keepOutsideLinks: boolean; json: boolean }
  | { name: "backup.verify"; config?: string; key: string; json: boolean }
  | { name: "backup.daemon"; config?: string }
  | { name: "decrypt"; config?: string; file: string; output?: string; passphraseEnv?: string; keyFile?: string; customerKeyFile?: string }
  | { name: "enroll"; agentConfig?: string; token?: string; gateway?: string; force: boolean }
  | { name: "run"; agentConfig?: string }
  | { name: "wait-ready"; agentConfig?: string; timeoutSeconds: number };

const BACKUP_SUBCOMMANDS = ["now", "list", "status", "restore", "verify", "daemon"] as const;

/** Turns argv (without node and the script) into a Command, or a usage error naming what is wrong. */
export function parseCommand(argv: string[]): Command {
  const [first, second] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return { name: "help", topic: first === "help" ? second : undefined };
  if (first === "--version" || first === "-v" || first === "version") return { name: "version" };
  if (first === "decrypt") return parseDecrypt(argv.slice(1));
  if (first === "enroll") return parseEnroll(argv.slice(1));
  if (first === "run") return parseRun(argv.slice(1));
  if (first === "wait-ready") return parseWaitReady(argv.slice(1));
  if (first !== "backup") throw usage(`unknown command "${first}"`);
  if (second === undefined || second === "--help" || second === "-h") return { name: "help", topic: "backup" };
  if (!(BACKUP_SUBCOMMANDS as readonly string[]).includes(second)) throw usage(`unknown command "backup ${second}" (expected one of: ${BACKUP_SUBCOMMANDS.join(", ")})`);
  const sub = second as (typeof BACKUP_SUBCOMMANDS)[number];
  const rest = argv.slice(2);

  const { values, positionals } = strictParse(rest, {
    config: { type: "string", short: "c" },
    force: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    target: { type: "string", short: "t" },
    "keep-outside-links": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return { name: "help", topic: `backup ${sub}` };
  const config = values.config as string | undefined;
  const json = values.json as boolean;
  const allow = (...names: string[]) => {
    for (const name of ["force", "target", "json", "keep-outside-links"]) {
      const given = typeof values[name] === "boolean" ? values[name] === true : values[name] !== undefined;
      if (given && !names.includes(name)) throw usage(`"backup ${sub}" does not take --${name}`);
    }
  };
  const keyArg = () => {
    if (positionals.length !== 1) throw usage(`"backup ${sub}" needs exactly one backup key (see \`nacre-agent backup list\`)`);
    return positionals[0]!;
  };
  const noPositionals = () => {
    if (positionals.length > 0) throw usage(`"backup ${sub}" takes no argument "${positionals[0]}"`);
  };

  switch (sub) {
    case "now":
      allow("force", "json");
      noPositionals();
      return { name: "backup.now", config, force: values.force as boolean, json };
    case "list":
      allow("json");
      noPositionals();
      return { name: "backup.list", config, json };
    case "status":
      allow("json");
      noPositionals();
      return { name: "backup.status", config, json };
    case "restore":
      allow("target", "json", "keep-outside-links");
      return { name: "backup.restore", config, key: keyArg(), target: values.target as string | undefined, keepOutsideLinks: values["keep-outside-links"] === true, json };
    case "verify":
      allow("json");
      return { name: "backup.verify", config, key: keyArg(), json };
    case "daemon":
      allow();
      noPositionals();
      return { name: "backup.daemon", config };
  }
}

function parseDecrypt(rest: string[]): Command {
  const { values, positionals } = strictParse(rest, {
    config: { type: "string", short: "c" },
    output: { type: "string", short: "o" },
    "passphrase-env": { type: "string" },
    "key-file": { type: "string" },
    "customer-key-file": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return { name: "help", topic: "decrypt" };
  if (positionals.length !== 1) throw usage("decrypt needs exactly one file: nacre-agent decrypt <file> [-o out.tar]");
  const keySources = ["passphrase-env", "key-file", "customer-key-file"].filter((k) => values[k] !== undefined);
  if (keySources.length > 1) throw usage(`decrypt takes one key source, got ${keySources.map((k) => `--${k}`).join(" and ")}`);
  return {
    name: "decrypt",
    config: values.config as string | undefined,
    file: positionals[0]!,
    output: values.output as string | undefined,
    passphraseEnv: values["passphrase-env"] as string | undefined,
    keyFile: values["key-file"] as string | undefined,
    customerKeyFile: values["customer-key-file"] as string | undefined,
  };
}

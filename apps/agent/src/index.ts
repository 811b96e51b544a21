// The agent as a library, for tests and the control plane's future use; the CLI entry is bin.ts.
export { main } from "./main.ts";
export { parseCommand, type Command } from "./cli/parse-command.ts";

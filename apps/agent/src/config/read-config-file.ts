import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { ConfigError } from "./config-error.ts";
import type { LocatedConfig } from "./locate-config.ts";

const HOW_CHOSEN: Record<LocatedConfig["source"], string> = {
  flag: "given with --config",
  OPENCLAW_CONFIG_PATH: "from $OPENCLAW_CONFIG_PATH",
  OPENCLAW_STATE_DIR: "from $OPENCLAW_STATE_DIR",
  default: "the default location",
};

/** Reads and JSON5-parses the located file; E_CONFIG_MISSING / E_CONFIG_READ / E_CONFIG_SYNTAX on failure. */
export async function readConfigFile(located: LocatedConfig): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(located.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ConfigError(
        "E_CONFIG_MISSING",
        `no config file at ${located.path} (${HOW_CHOSEN[located.source]}) — create it with a "backup" section ` +
          "(see docs/configuration.md), pass --config FILE, or set OPENCLAW_STATE_DIR to OpenClaw's state directory",
        { paths: [located.path], cause: error },
      );
    }
    throw new ConfigError(
      "E_CONFIG_READ",
      `cannot read ${located.path}: ${code ?? String(error)} — check that it is a file the agent's user may read`,
      { paths: [located.path], cause: error },
    );
  }
  try {
    return JSON5.parse(text);
  } catch (error) {
    const { lineNumber, columnNumber, message } = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    // json5 prefixes its messages with "JSON5: "; the position goes first instead, editor-style.
    const reason = message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    const position = lineNumber === undefined ? located.path : `${located.path}:${lineNumber}:${columnNumber ?? 1}`;
    throw new ConfigError("E_CONFIG_SYNTAX", `${position}: ${reason} — fix the JSON5 syntax there`, {
      paths: [located.path],
      cause: error,
    });
  }
}

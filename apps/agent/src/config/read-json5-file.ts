import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { ConfigError } from "./config-error.ts";

/**
 * Reads and JSON5-parses a config file. `whenMissing` finishes the sentence "no config file at PATH …"
 * (how the path was chosen and what to do); E_CONFIG_MISSING / E_CONFIG_READ / E_CONFIG_SYNTAX on failure.
 */
export async function readJson5File(path: string, whenMissing: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ConfigError("E_CONFIG_MISSING", `no config file at ${path} ${whenMissing}`, { paths: [path], cause: error });
    }
    throw new ConfigError(
      "E_CONFIG_READ",
      `cannot read ${path}: ${code ?? String(error)} — check that it is a file the agent's user may read`,
      { paths: [path], cause: error },
    );
  }
  try {
    return JSON5.parse(text);
  } catch (error) {
    const { lineNumber, columnNumber, message } = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    // json5 prefixes its messages with "JSON5: "; the position goes first instead, editor-style.
    const reason = message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    const position = lineNumber === undefined ? path : `${path}:${lineNumber}:${columnNumber ?? 1}`;
    throw new ConfigError("E_CONFIG_SYNTAX", `${position}: ${reason} — fix the JSON5 syntax there`, {
      paths: [path],
      cause: error,
    });
  }
}

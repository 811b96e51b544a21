import type { LocatedConfig } from "./locate-config.ts";
import { readJson5File } from "./read-json5-file.ts";

const HOW_CHOSEN: Record<LocatedConfig["source"], string> = {
  flag: "given with --config",
  OPENCLAW_CONFIG_PATH: "from $OPENCLAW_CONFIG_PATH",
  OPENCLAW_STATE_DIR: "from $OPENCLAW_STATE_DIR",
  default: "the default location",
};

/** Reads and JSON5-parses the located openclaw.json; E_CONFIG_MISSING / E_CONFIG_READ / E_CONFIG_SYNTAX on failure. */
export async function readConfigFile(located: LocatedConfig): Promise<unknown> {
  return readJson5File(
    located.path,
    `(${HOW_CHOSEN[located.source]}) — create it with a "backup" section (see docs/configuration.md), pass ` +
      "--config FILE, or set OPENCLAW_STATE_DIR to OpenClaw's state directory",
  );
}

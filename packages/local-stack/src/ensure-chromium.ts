// The browser of the dashboard's end-to-end tests: Debian's Chromium, driven by playwright-core (never
// `playwright install`, whose downloads this machine cannot reach). Installed from Debian's archive
// when missing, like the servers.
import { existsSync } from "node:fs";
import { aptInstall } from "./apt-install.ts";
import type { LogLine } from "./log-line.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Flags for headless Chromium on a CI machine: no sandbox (root in a container), no GPU, and none of
 * the background connections to Google's services that this closed network refuses.
 */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** The path of a Chromium binary, installing Debian's package first if there is none. */
export async function ensureChromium(log: LogLine = (line) => console.log(line)): Promise<string> {
  if (!existsSync(CHROMIUM_PATH)) await aptInstall(["chromium"], "the dashboard's browser tests drive Chromium", log);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`E_NO_CHROMIUM: apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

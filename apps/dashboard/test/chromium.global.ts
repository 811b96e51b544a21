// Before any test file runs: Debian's Chromium for the end-to-end tests, installed from Debian's
// archive when missing (a download that must not eat into a test hook's timeout).
import { ensureChromium } from "@nacre/local-stack";

export default async function setup(): Promise<void> {
  await ensureChromium((line) => console.error(line));
}

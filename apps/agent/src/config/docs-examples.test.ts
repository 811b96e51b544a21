// docs/configuration.md is what users copy from; this test keeps its examples loadable and its sample
// error output true.
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";

const DOC = new URL("../../../../docs/configuration.md", import.meta.url);
const ENV = {
  AWS_ACCESS_KEY_ID: "id",
  AWS_SECRET_ACCESS_KEY: "secret",
  BACKUP_PASSPHRASE: "pass",
  BACKUP_FAILURE_WEBHOOK: "https://hooks.example.com/x",
};

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

describe("docs/configuration.md", async () => {
  const doc = await readFile(DOC, "utf8");
  const examples = [...doc.matchAll(/```json5\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it("has the R2 and fs examples", () => {
    expect(examples).toHaveLength(2);
  });

  it.each(examples.map((text, i) => [i, text] as const))("example %i loads without warnings", async (_, text) => {
    // Filled in as a user would; left as-is, the placeholder is rejected as "not an http(s) URL".
    await sb.write(".openclaw/openclaw.json", text.replace("<account-id>", "0123abcd"));
    const { warnings } = await sb.load({ env: ENV });
    expect(warnings).toEqual([]);
  });

  it("shows an E_CONFIG_INVALID message the loader really produces", async () => {
    await sb.writeBackup({
      retention: { maxBackup: 14 },
      storage: { provider: "fs", path: "/x", prefix: "claw" },
      encryption: { passphrase: "${BACKUP_PASSPHRASE}", keyFile: "k" },
    });
    const { problems } = await sb.loadError({ env: ENV });
    for (const problem of problems) expect(doc).toContain(`  - ${problem}\n`);
  });
});

import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_ENV, MINIMAL_BACKUP, makeSandbox } from "./config-test-fixture.ts";
import type { Sandbox } from "./config-test-fixture.ts";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(() => sb.cleanup());

describe("path resolution", () => {
  it("expands ~ and resolves relative paths against the config file's directory, not cwd", async () => {
    await sb.writeBackup({
      include: { stateDir: "~/oc-state", workspace: "../ws", extraPaths: ["notes", "~", "/abs/path"] },
      storage: { provider: "fs", path: "~/backups" },
      encryption: { keyFile: "keys/backup.key" },
    });
    const { config } = await sb.load();
    expect(config.stateDir).toBe(path.join(sb.home, "oc-state"));
    expect(config.workspace).toBe(path.join(sb.home, "ws"));
    expect(config.extraPaths).toEqual([path.join(sb.defaultStateDir, "notes"), sb.home, "/abs/path"]);
    expect(config.storage).toMatchObject({ path: path.join(sb.home, "backups") });
    expect(config.encryption).toMatchObject({ keyFile: path.join(sb.defaultStateDir, "keys", "backup.key"), passphrase: null });
  });

  it("resolves a relative $OPENCLAW_STATE_DIR against cwd and expands ~ in it", async () => {
    await sb.write(path.join(sb.cwd, "rel", "openclaw.json"), { backup: MINIMAL_BACKUP });
    expect((await sb.load({ env: { ...BASE_ENV, OPENCLAW_STATE_DIR: "rel" } })).config.stateDir).toBe(path.join(sb.cwd, "rel"));
    await sb.write("tilde/openclaw.json", { backup: MINIMAL_BACKUP });
    expect((await sb.load({ env: { ...BASE_ENV, OPENCLAW_STATE_DIR: "~/tilde" } })).config.stateDir).toBe(path.join(sb.home, "tilde"));
  });

  it("rejects ~user paths instead of guessing", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, include: { extraPaths: ["~alice/notes"] } });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_INVALID");
    expect(error.message).toMatch(/backup\.include\.extraPaths\[0\]: "~alice\/notes" uses ~user/);
  });
});

describe("what is backed up", () => {
  it("uses agents.defaults.workspace (with ${VAR} and ~) when include.workspace is true", async () => {
    await sb.writeBackup(MINIMAL_BACKUP, { agents: { defaults: { workspace: "~/${CLAW_WS}" } } });
    const { config } = await sb.load({ env: { ...BASE_ENV, CLAW_WS: "clawd" } });
    expect(config.workspace).toBe(path.join(sb.home, "clawd"));
  });

  it("reports a missing variable in agents.defaults.workspace only when it is used", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, include: { workspace: false } }, { agents: { defaults: { workspace: "${NOPE}" } } });
    expect((await sb.load()).config.workspace).toBeNull();
    await sb.writeBackup(MINIMAL_BACKUP, { agents: { defaults: { workspace: "${NOPE}" } } });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_VAR");
    expect(error.message).toMatch(/^agents\.defaults\.workspace refers to \$\{NOPE\}/);
  });

  it("rejects an agents.defaults.workspace that is not a path", async () => {
    await sb.writeBackup(MINIMAL_BACKUP, { agents: { defaults: { workspace: 42 } } });
    expect((await sb.loadError()).problems).toEqual([
      "agents.defaults.workspace: expected a path (or set backup.include.workspace to choose one)",
    ]);
  });

  it("falls back to <stateDir>/workspace only when that directory exists", async () => {
    await sb.writeBackup(MINIMAL_BACKUP);
    expect((await sb.load()).config.workspace).toBeNull();
    const workspace = await sb.mkdir(".openclaw/workspace");
    expect((await sb.load()).config.workspace).toBe(workspace);
  });

  it("finds <stateDir>/workspace even when the state dir itself is not archived", async () => {
    const workspace = await sb.mkdir(".openclaw/workspace");
    await sb.writeBackup({ ...MINIMAL_BACKUP, include: { stateDir: false } });
    const { config } = await sb.load();
    expect(config.stateDir).toBeNull();
    expect(config.workspace).toBe(workspace);
  });

  it("refuses a config that backs up nothing", async () => {
    await sb.writeBackup({ ...MINIMAL_BACKUP, include: { stateDir: false, workspace: false } });
    const error = await sb.loadError();
    expect(error.code).toBe("E_CONFIG_INVALID");
    expect(error.problems[0]).toMatch(/^backup\.include: nothing to back up/);
  });
});

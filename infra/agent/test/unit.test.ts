// Static checks of the unit and the script with the tools systemd and shellcheck ship. Each is skipped,
// with the reason in its name, on a machine that lacks the tool (CI images often have no shellcheck).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_DIR, NODE, SCRIPT, UNIT_SOURCE, have, install, makeStaging, removeStagings } from "./install-harness.ts";

afterAll(removeStagings);

const SYSTEM_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((dir) => existsSync(`${dir}/sysinit.target`));

function run(command: string, args: string[]) {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const analyze = have("systemd-analyze") && SYSTEM_UNITS !== undefined;
describe.skipIf(!analyze)(`systemd-analyze${analyze ? "" : " — skipped: systemd-analyze or systemd's units are missing here"}`, () => {
  it("verify accepts the installed unit and its data-dir drop-in without a warning", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--data-dir", "/srv/data"]).status).toBe(0);
    // verify --root resolves ExecStart and the default dependencies (sysinit.target…) inside the root.
    cpSync(SYSTEM_UNITS!, s.at("/usr/lib/systemd/system"), { recursive: true });
    const r = run("systemd-analyze", ["verify", `--root=${s.root}`, "nacre-agent.service"]);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });

  it("verify reports a mistyped setting (so the check above can fail)", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE]).status).toBe(0);
    cpSync(SYSTEM_UNITS!, s.at("/usr/lib/systemd/system"), { recursive: true });
    spawnSync("sed", ["-i", "s/^ProtectHome=yes/ProtectHomes=yes/", s.at("/etc/systemd/system/nacre-agent.service")]);
    expect(run("systemd-analyze", ["verify", `--root=${s.root}`, "nacre-agent.service"]).out).toMatch(/Unknown key 'ProtectHomes'/);
  });

  const offline = have("systemd-analyze") && run("systemd-analyze", ["security", "--offline=yes", UNIT_SOURCE]).status === 0;
  it.skipIf(!offline)(`security rates the unit's exposure below 3.0${offline ? "" : " — skipped: no security --offline before systemd 250"}`, () => {
    const r = run("systemd-analyze", ["security", "--offline=yes", UNIT_SOURCE]);
    const score = Number(/Overall exposure level for nacre-agent\.service: ([\d.]+)/.exec(r.out)?.[1]);
    // Root with file capabilities and network access cannot go much lower; a lost hardening line shows here.
    expect(score).toBeLessThan(3);
  });
});

describe("install.sh source", () => {
  it("parses (bash -n)", () => {
    const r = run("bash", ["-n", SCRIPT]);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });

  const shellcheck = have("shellcheck");
  it.skipIf(!shellcheck)(`passes shellcheck, with the sandbox check's scripts${shellcheck ? "" : " — skipped: shellcheck is not installed"}`, () => {
    const r = run("shellcheck", [SCRIPT, join(AGENT_DIR, "test/sandbox/boot.sh"), join(AGENT_DIR, "test/sandbox/inside.sh")]);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });
});

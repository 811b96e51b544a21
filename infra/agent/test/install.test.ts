// install.sh as an image build or a test uses it (--root): what lands where, with which modes, what a
// re-run keeps, what it refuses before touching anything, and what uninstall leaves behind.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_DIR, NODE, UNIT_SOURCE, install, makeStaging, removeStagings, modeOf, read } from "./install-harness.ts";

afterAll(removeStagings);

const PREFIX = "/usr/local/lib/nacre-agent";
const BUNDLE = `${PREFIX}/nacre-agent.mjs`;
const CONFIG = "/etc/nacre/agent.json";
const STATE = "/var/lib/nacre-agent";
const UNIT = "/etc/systemd/system/nacre-agent.service";
const DROPIN = "/etc/systemd/system/nacre-agent.service.d/data-dir.conf";
const WRAPPER = "/usr/local/bin/nacre-agent";
const NODE_PACKAGE = `node-linux-${process.arch === "arm64" ? "arm64" : "x64"}`;

describe("install.sh --root", () => {
  it("stages the bundle, the nacre-agent command, a private config and state dir, and the unit as in the repo", () => {
    const s = makeStaging();
    const r = install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--gateway", "wss://gw.example/agent", "--no-start"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`bundle: 1.0.0 installed as ${BUNDLE}`);

    expect(modeOf(s, BUNDLE)).toBe("0755");
    expect(read(s, BUNDLE)).toContain('"nacre-agent 1.0.0"');
    expect(modeOf(s, WRAPPER)).toBe("0755");
    expect(read(s, WRAPPER)).toContain(`exec '${NODE}' --max-semi-space-size=1 "$prefix/nacre-agent.mjs" "$@"`);
    expect(read(s, WRAPPER)).toContain(`prefix='${PREFIX}'`);

    expect(modeOf(s, CONFIG)).toBe("0600");
    expect(read(s, CONFIG)).toMatch(/^ {2}gatewayUrl: "wss:\/\/gw\.example\/agent",$/m);
    expect(read(s, CONFIG)).toMatch(/^ {2}dataDir: "\/data",$/m);
    expect(modeOf(s, STATE)).toBe("0700");

    expect(read(s, UNIT)).toBe(readFileSync(UNIT_SOURCE, "utf8"));
    expect(modeOf(s, UNIT)).toBe("0644");
    expect(existsSync(s.at(DROPIN))).toBe(false);
    // Staging never talks to systemd and never enrolls (an image must not carry an identity).
    expect(s.calls()).toEqual([]);
    expect(existsSync(s.at(`${STATE}/identity.json`))).toBe(false);
    expect(r.stdout).toMatch(/on the VM: nacre-agent enroll --token T/);
  });

  it("a re-run upgrades the bundle and the unit but keeps an edited config, the identity and the data-dir drop-in", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--data-dir", "/srv/data"]).status).toBe(0);
    appendFileSync(s.at(CONFIG), "// edited by the operator\n");
    const config = read(s, CONFIG);
    writeFileSync(s.at(`${STATE}/identity.json`), '{"v":1}\n', { mode: 0o600 });
    writeFileSync(s.at(UNIT), "# an old unit\n");

    const r = install(s, ["--bundle", s.bundle("1.1.0"), "--node", NODE]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("bundle: 1.1.0 installed as");
    expect(r.stdout).toContain("(was 1.0.0)");
    expect(r.stdout).toContain(`config: kept ${CONFIG}`);
    expect(read(s, BUNDLE)).toContain('"nacre-agent 1.1.0"');
    expect(read(s, UNIT)).toBe(readFileSync(UNIT_SOURCE, "utf8"));
    expect(read(s, CONFIG)).toBe(config);
    expect(read(s, `${STATE}/identity.json`)).toBe('{"v":1}\n');
    expect(read(s, DROPIN)).toContain("ReadWritePaths=-/srv/data");
    expect(modeOf(s, CONFIG)).toBe("0600");
    expect(modeOf(s, STATE)).toBe("0700");
  });

  it("--data-dir goes into a new config and a drop-in; directories the unit hides are refused", () => {
    const s = makeStaging();
    const r = install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--data-dir", "/srv/openclaw/"]);
    expect(r.status, r.stderr).toBe(0);
    expect(read(s, CONFIG)).toMatch(/^ {2}dataDir: "\/srv\/openclaw",$/m);
    expect(read(s, DROPIN)).toMatch(/^\[Service\]\nReadWritePaths=-\/srv\/openclaw$/m);
    // Back to the default: the drop-in goes.
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--data-dir", "/data"]).status).toBe(0);
    expect(existsSync(s.at(DROPIN))).toBe(false);

    for (const [dir, why] of [["/home/claw/data", /ProtectHome/], ["data", /absolute/], ["/srv/my data", /letters, digits/], ["/", /absolute directory/]] as const) {
      const refused = install(makeStaging(), ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--data-dir", dir]);
      expect(refused.status, dir).toBe(2);
      expect(refused.stderr).toMatch(why);
    }
  });

  it("without a usable Node it installs the npm package into the prefix, and reuses it on the next run", () => {
    const s = makeStaging();
    const r = install(s, ["--bundle", s.bundle("1.0.0")]);
    expect(r.status, r.stderr).toBe(0);
    const privateNode = `${PREFIX}/node/node_modules/${NODE_PACKAGE}/bin/node`;
    expect(s.calls()).toEqual([`npm install --prefix ${s.at(`${PREFIX}/node`)} --no-audit --no-fund --loglevel=error ${NODE_PACKAGE}@24`]);
    expect(read(s, WRAPPER)).toContain(`exec '${privateNode}'`);

    const again = install(s, ["--bundle", s.bundle("1.0.1")]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("private, installed earlier");
    expect(s.calls()).toHaveLength(1);

    // Given a Node later, the private one is removed.
    expect(install(s, ["--bundle", s.bundle("1.0.1"), "--node", NODE]).stdout).toContain("removed the private Node");
    expect(existsSync(s.at(`${PREFIX}/node`))).toBe(false);
  });

  it("refuses bad input with a code and what to do, before installing anything", () => {
    const s = makeStaging();
    const good = ["--node", NODE];
    const notAgent = join(s.dir, "other.mjs");
    writeFileSync(notAgent, 'console.log("hello");\n');
    const cases: [string[], number, RegExp][] = [
      [[...good], 2, /E_USAGE: --bundle PATH\|URL is required/],
      [["--bundle", join(s.dir, "missing.mjs"), ...good], 1, /E_BUNDLE: .*missing\.mjs is not a readable file — build it with `pnpm build`/],
      [["--bundle", notAgent, ...good], 1, /E_BUNDLE: .*does not run as the agent/],
      [["--bundle", s.bundle("1.0.0"), "--sha256", "0".repeat(64), ...good], 1, /E_CHECKSUM: .*not the expected 0{64}/],
      [["--bundle", s.bundle("1.0.0"), "--token", "t0k", ...good], 2, /must not carry an identity/],
      [["--bundle", s.bundle("1.0.0"), "--gateway", "https://gw.example/agent", ...good], 2, /ws:\/\/ or wss:\/\/ URL ending in \/agent/],
      [["--bundle", "http://example.com/nacre-agent.mjs", ...good], 2, /must be https:\/\//],
      [["--bundle", s.bundle("1.0.0"), "--node", "/opt/none/node"], 1, /E_NODE: --node \/opt\/none\/node is not an executable/],
      [["--bundle", s.bundle("1.0.0"), ...good, "--frobnicate"], 2, /unknown option "--frobnicate"/],
      [["--purge", ...good], 2, /--purge goes with --uninstall/],
    ];
    for (const [args, status, message] of cases) {
      const r = install(s, args);
      expect({ args, status: r.status }).toEqual({ args, status });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^nacre-install: E_[A-Z_]+: /);
    }
    expect(existsSync(s.at(BUNDLE))).toBe(false);
    expect(existsSync(s.at(CONFIG))).toBe(false);
    expect(existsSync(s.at(PREFIX))).toBe(false);
  });

  it("--token is taken from $NACRE_ENROLL_TOKEN too (and refused for a staging root all the same)", () => {
    const s = makeStaging();
    const r = install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE], { NACRE_ENROLL_TOKEN: "t0k" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/must not carry an identity/);
  });

  it("--uninstall removes the program and keeps the config, the drop-in and the identity; --purge removes those too", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--data-dir", "/srv/data"]).status).toBe(0);
    writeFileSync(s.at(`${STATE}/identity.json`), "{}\n");
    mkdirSync(s.at("/usr/local/lib/other"), { recursive: true });

    const r = install(s, ["--uninstall"]);
    expect(r.status, r.stderr).toBe(0);
    for (const gone of [BUNDLE, PREFIX, WRAPPER, UNIT]) expect(existsSync(s.at(gone)), gone).toBe(false);
    for (const kept of [CONFIG, DROPIN, `${STATE}/identity.json`, "/usr/local/lib/other"]) expect(existsSync(s.at(kept)), kept).toBe(true);
    expect(r.stdout).toContain("--purge removes them");

    const purged = install(s, ["--uninstall", "--purge"]);
    expect(purged.status, purged.stderr).toBe(0);
    for (const gone of [CONFIG, "/etc/nacre", DROPIN, STATE]) expect(existsSync(s.at(gone)), gone).toBe(false);
    expect(purged.stdout).toContain("must be enrolled again");
    expect(s.calls().filter((c) => c.startsWith("systemctl"))).toEqual([]);
  });

  it("an uninstall finds a custom --prefix in the command it wrote", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", s.bundle("1.0.0"), "--node", NODE, "--prefix", "/opt/nacre"]).status).toBe(0);
    expect(read(s, WRAPPER)).toContain("prefix='/opt/nacre'");
    expect(install(s, ["--bundle", s.bundle("1.0.1"), "--node", NODE]).stdout).toContain("installed as /opt/nacre/nacre-agent.mjs");
    expect(install(s, ["--uninstall"]).status).toBe(0);
    expect(existsSync(s.at("/opt/nacre"))).toBe(false);
  });
});

// The config the installer writes must pass the agent's strict schema; the real bundle says so by getting
// as far as the missing identity. Skipped without a build, or where a real agent is enrolled.
const REAL_BUNDLE = join(AGENT_DIR, "../../apps/agent/dist/nacre-agent.mjs");
const skipReal = !existsSync(REAL_BUNDLE) ? "no build of the agent (pnpm build)" : existsSync("/var/lib/nacre-agent/identity.json") ? "a real agent is enrolled here" : "";
describe.skipIf(skipReal !== "")(`the written config${skipReal && ` — skipped: ${skipReal}`}`, () => {
  it("is accepted by the built agent", () => {
    const s = makeStaging();
    expect(install(s, ["--bundle", REAL_BUNDLE, "--node", NODE, "--gateway", "wss://gw.example/agent", "--data-dir", "/srv/data"]).status).toBe(0);
    const r = spawnSync(process.execPath, [REAL_BUNDLE, "run", "--agent-config", s.at(CONFIG)], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toContain("E_NOT_ENROLLED");
    expect(r.status).toBe(3);
  });
});

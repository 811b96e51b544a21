import { describe, expect, it } from "vitest";
import { parseCommand } from "./parse-command.ts";

describe("parseCommand", () => {
  it("reads every command the docs show", () => {
    expect(parseCommand(["backup", "now"])).toEqual({ name: "backup.now", config: undefined, force: false, json: false });
    expect(parseCommand(["backup", "now", "--force", "-c", "/x/openclaw.json"])).toEqual({ name: "backup.now", config: "/x/openclaw.json", force: true, json: false });
    expect(parseCommand(["backup", "list", "--json"])).toMatchObject({ name: "backup.list", json: true });
    expect(parseCommand(["backup", "status"])).toMatchObject({ name: "backup.status" });
    expect(parseCommand(["backup", "restore", "openclaw-backup/2026-01-01T00:00:00.000Z", "--target", "/tmp/r"])).toMatchObject({ name: "backup.restore", key: "openclaw-backup/2026-01-01T00:00:00.000Z", target: "/tmp/r" });
    expect(parseCommand(["backup", "verify", "k"])).toMatchObject({ name: "backup.verify", key: "k" });
    expect(parseCommand(["backup", "daemon"])).toMatchObject({ name: "backup.daemon" });
    expect(parseCommand(["decrypt", "f.nacre", "-o", "f.tar", "--key-file", "k"])).toMatchObject({ name: "decrypt", file: "f.nacre", output: "f.tar", keyFile: "k" });
    expect(parseCommand([])).toEqual({ name: "help", topic: undefined });
    expect(parseCommand(["--version"])).toEqual({ name: "version" });
  });

  it("refuses what it does not understand, saying what and pointing at help", () => {
    const cases: [string[], RegExp][] = [
      [["backup", "nwo"], /unknown command "backup nwo"/],
      [["restore"], /unknown command "restore"/],
      [["backup", "restore"], /exactly one backup key/],
      [["backup", "restore", "a", "b"], /exactly one backup key/],
      [["backup", "now", "extra"], /takes no argument "extra"/],
      [["backup", "list", "--force"], /does not take --force/],
      [["backup", "now", "--target", "x"], /does not take --target/],
      [["backup", "now", "--nope"], /--nope/],
      [["backup", "now", "--config"], /--config/],
      [["decrypt"], /exactly one file/],
      [["decrypt", "f", "--key-file", "a", "--passphrase-env", "B"], /one key source/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseCommand(argv), argv.join(" ")).toThrow(message);
      try {
        parseCommand(argv);
      } catch (err) {
        expect((err as { exitCode: number }).exitCode).toBe(2);
        expect((err as Error).message).toMatch(/nacre-agent help/);
      }
    }
  });

  it("reads the managed-mode commands", () => {
    expect(parseCommand(["enroll", "--token", "t0k", "--gateway", "wss://g.example/agent", "--force"])).toEqual({ name: "enroll", agentConfig: undefined, token: "t0k", gateway: "wss://g.example/agent", force: true });
    expect(parseCommand(["enroll", "--agent-config", "/etc/a.json"])).toEqual({ name: "enroll", agentConfig: "/etc/a.json", token: undefined, gateway: undefined, force: false });
    expect(parseCommand(["run", "--agent-config", "a.json"])).toEqual({ name: "run", agentConfig: "a.json" });
    expect(parseCommand(["run"])).toEqual({ name: "run", agentConfig: undefined });
    expect(parseCommand(["wait-ready"])).toEqual({ name: "wait-ready", agentConfig: undefined, timeoutSeconds: 1800 });
    expect(parseCommand(["wait-ready", "--timeout", "90s", "--agent-config", "a.json"])).toEqual({ name: "wait-ready", agentConfig: "a.json", timeoutSeconds: 90 });
    expect(parseCommand(["wait-ready", "--timeout=2h"])).toMatchObject({ timeoutSeconds: 7200 });
    expect(parseCommand(["wait-ready", "--timeout", "15m"])).toMatchObject({ timeoutSeconds: 900 });
    expect(parseCommand(["wait-ready", "--timeout", "0"])).toMatchObject({ timeoutSeconds: 0 });
    for (const [argv, message] of [
      [["enroll", "tok"], /give the token as --token T/],
      [["enroll", "--token"], /--token/],
      [["enroll", "--token", ""], /--token must not be empty/],
      [["run", "--force"], /--force/],
      [["run", "x"], /takes no argument "x"/],
      [["wait-ready", "--timeout", "soon"], /expected seconds, or a number with s, m or h/],
      [["wait-ready", "--timeout", "-5"], /--timeout/],
      [["wait-ready", "now"], /takes no argument "now"/],
    ] as [string[], RegExp][]) {
      expect(() => parseCommand(argv), argv.join(" ")).toThrow(message);
    }
  });
});

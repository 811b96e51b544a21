// The managed-mode config: docs/agent-daemon.md's example loads, defaults and relative paths resolve,
// and every problem is reported with its path.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { loadAgentConfig } from "./load-agent-config.ts";

const DOC = new URL("../../../../docs/agent-daemon.md", import.meta.url);

async function load(text: string, env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "nacre-agent-config-"));
  const file = join(dir, "agent.json");
  await writeFile(file, text);
  return { dir, file, load: () => loadAgentConfig({ configPath: file, env, homeDir: "/home/agent", cwd: "/" }) };
}

async function problemsOf(text: string): Promise<readonly string[]> {
  const error = await (await load(text)).load().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("loadAgentConfig", () => {
  it("loads the example of docs/agent-daemon.md", async () => {
    const doc = await readFile(DOC, "utf8");
    const example = /```json5\n([\s\S]*?)```/.exec(doc)![1]!;
    const { file } = await load(example);
    const config = await loadAgentConfig({ configPath: file, env: {}, homeDir: "/home/agent", cwd: "/" });
    expect(config).toMatchObject({ gatewayUrl: "wss://gateway.eu.nacre.example/agent", dataDir: "/data", identityFile: "/var/lib/nacre-agent/identity.json", compression: "zstd" });
    expect(config.app.statusCommand).toEqual(["systemctl", "is-active", "--quiet", "openclaw"]);
  });

  it("fills in defaults, resolves paths against the file's directory and substitutes ${VAR}", async () => {
    const { dir, load: run } = await load(`{ gatewayUrl: "wss://\${HOST}/agent", stateDir: "state", identityFile: "~/id.json" }`, { HOST: "gw.example:8443" });
    expect(await run()).toEqual({
      configPath: join(dir, "agent.json"),
      gatewayUrl: "wss://gw.example:8443/agent",
      stateDir: join(dir, "state"),
      identityFile: "/home/agent/id.json",
      dataDir: "/data",
      app: {},
      restore: { healthTimeoutSeconds: 120, keepPreviousHours: 24 },
      exclude: [],
      compression: "zstd",
    });
  });

  it("names the path of every problem", async () => {
    expect(await problemsOf(`{ gatewayUrl: "wss://gw.example/agents", app: { resumeCmd: ["x"], statusCommand: [] }, exclude: [""] }`)).toEqual([
      "gatewayUrl: must end in /agent (e.g. \"wss://gateway.example.com/agent\"), got \"wss://gw.example/agents\"",
      "app.statusCommand: must name the program to run, e.g. [\"systemctl\", \"stop\", \"openclaw\"]",
      "app.resumeCmd: unknown field — did you mean \"resumeCommand\"?",
      "exclude[0]: must not be empty, got \"\"",
    ]);
    expect(await problemsOf("[]")).toEqual(["(top level): expected an object { … }, got an array"]);
    expect(await problemsOf(`{ gatewayUrl: "ws://user:pw@gw.example/agent" }`)).toEqual([
      "gatewayUrl: must not carry a user name or password: the agent authenticates with its identity key, got \"ws://***@gw.example/agent\"",
    ]);
  });
});

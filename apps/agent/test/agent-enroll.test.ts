import { createPublicKey } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exportPublicKey, importPrivateKey } from "@nacre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enroll, makeManagedInstall } from "./agent-harness.ts";
import { runAgent } from "./cli-harness.ts";
import { startTestGateway } from "./test-gateway.ts";
import type { TestGateway } from "./test-gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
});

describe("enroll", () => {
  it("sends the public keys and writes a 0600 identity whose private keys match them", async () => {
    const install = makeManagedInstall(gateway);
    const r = await enroll(install);
    expect(r.code, r.stderr).toBe(0);
    const sent = gateway.enrollments.at(-1)!;
    expect(sent).toMatchObject({ token: "enroll-token-0123456789", agentVersion: expect.any(String) });
    expect(sent.identityKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(statSync(install.identityFile).mode & 0o777).toBe(0o600);
    expect(statSync(install.stateDir).mode & 0o777).toBe(0o700);
    const identity = JSON.parse(readFileSync(install.identityFile, "utf8"));
    expect(identity).toMatchObject({ v: 1, gatewayUrl: gateway.url, controlPlaneKey: exportPublicKey(gateway.controlPlane.publicKey) });
    expect(gateway.agents.has(identity.vmId)).toBe(true);
    expect(exportPublicKey(createPublicKey(importPrivateKey(identity.identityPrivateKey, "ed25519")))).toBe(sent.identityKey);
    expect(exportPublicKey(createPublicKey(importPrivateKey(identity.sealingPrivateKey, "x25519")))).toBe(sent.sealingKey);
    expect(r.stdout).toContain(`enrolled: VM ${identity.vmId}`);
  });

  it("a used token is refused with its code, exit 9, and no identity file", async () => {
    const install = makeManagedInstall(gateway);
    const previous = gateway.answerEnroll;
    gateway.answerEnroll = () => ({ status: 403, body: { code: "E_ENROLL_TOKEN_USED", message: "this enrollment token was already used" } });
    try {
      const r = await enroll(install);
      expect(r.code).toBe(9);
      expect(r.stderr).toMatch(/E_ENROLL_TOKEN_USED/);
      expect(r.stderr).toMatch(/already used.*ask for a new token/);
      expect(existsSync(install.identityFile)).toBe(false);
    } finally {
      gateway.answerEnroll = previous;
    }
  });

  it("an unreachable gateway is exit 10 and says so", async () => {
    const port = await closedPort();
    const install = makeManagedInstall({ url: `ws://127.0.0.1:${port}/agent` });
    const r = await enroll(install);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/E_GATEWAY_UNREACHABLE/);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}/enroll (ECONNREFUSED)`);
  });

  it("refuses to replace an existing identity without --force, before the token is spent", async () => {
    const install = makeManagedInstall(gateway);
    expect((await enroll(install)).code).toBe(0);
    const first = readFileSync(install.identityFile, "utf8");
    const sentBefore = gateway.enrollments.length;

    const again = await enroll(install);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/E_IDENTITY_EXISTS/);
    expect(again.stderr).toMatch(/--force/);
    expect(gateway.enrollments.length).toBe(sentBefore);
    expect(readFileSync(install.identityFile, "utf8")).toBe(first);

    const forced = await enroll(install, ["--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(install.identityFile, "utf8")).vmId).not.toBe(JSON.parse(first).vmId);
    expect(statSync(install.identityFile).mode & 0o777).toBe(0o600);
  });

  it("--gateway overrides the config and is recorded in the identity", async () => {
    const install = makeManagedInstall({ url: `ws://127.0.0.1:${await closedPort()}/agent` });
    const r = await enroll(install, ["--gateway", gateway.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(install.identityFile, "utf8")).gatewayUrl).toBe(gateway.url);
  });
});

describe("the agent config", () => {
  it("names the path of each problem: unknown field, wrong type, bad gateway URL", async () => {
    const install = makeManagedInstall(gateway);
    writeFileSync(
      install.configPath,
      JSON.stringify({ gatewayURL: gateway.url, dataDir: 7, app: { pauseCommand: "systemctl stop openclaw" }, compression: "xz" }),
    );
    const r = await enroll(install);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/E_CONFIG_INVALID/);
    expect(r.stderr).toContain(install.configPath);
    expect(r.stderr).toContain('gatewayURL: unknown field — did you mean \\"gatewayUrl\\"?');
    expect(r.stderr).toContain("dataDir: expected a string, got 7");
    expect(r.stderr).toContain("app.pauseCommand: expected an array");
    expect(r.stderr).toMatch(/compression: expected \\"zstd\\" or \\"gzip\\"/);

    writeFileSync(install.configPath, JSON.stringify({ gatewayUrl: "https://gateway.example.com/agent" }));
    const url = await runAgent(["run", "--agent-config", install.configPath], install.env);
    expect(url.code).toBe(3);
    expect(url.stderr).toMatch(/gatewayUrl: must start with ws:\/\/ or wss:\/\//);
  });

  it("is found through $NACRE_AGENT_CONFIG, substitutes ${VAR}, and a missing one says where it looked", async () => {
    const install = makeManagedInstall(gateway);
    writeFileSync(install.configPath, `{ gatewayUrl: "\${GATEWAY}", stateDir: "state", dataDir: "data" }`);
    const r = await runAgent(["enroll", "--token", "enroll-token-0123456789"], { ...install.env, NACRE_AGENT_CONFIG: install.configPath, GATEWAY: gateway.url });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(install.root, "state", "identity.json"))).toBe(true);

    const missing = await runAgent(["run"], { ...install.env, NACRE_AGENT_CONFIG: join(install.root, "nope.json") });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/E_CONFIG_MISSING/);
    expect(missing.stderr).toMatch(/nope\.json \(from \$NACRE_AGENT_CONFIG\)/);
  });
});

describe("the identity file", () => {
  it("run refuses one that group or others can read, and one that does not exist", async () => {
    const install = makeManagedInstall(gateway);
    const none = await runAgent(["run", "--agent-config", install.configPath], install.env);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/E_NOT_ENROLLED/);
    expect(none.stderr).toMatch(/nacre-agent enroll --token/);

    expect((await enroll(install)).code).toBe(0);
    chmodSync(install.identityFile, 0o640);
    const loose = await runAgent(["run", "--agent-config", install.configPath], install.env);
    expect(loose.code).toBe(3);
    expect(loose.stderr).toMatch(/E_IDENTITY_PERMISSIONS/);
    expect(loose.stderr).toContain(`chmod 600 ${install.identityFile}`);
  });
});

/** A loopback port nothing listens on (a fresh one, so fetch's blocked-port list does not get in the way). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

import { randomBytes } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exportPrivateKey, exportPublicKey, generateSealingKeyPair, generateSigningKeyPair } from "@nacre/core";
import { usage } from "../cli/strict-parse.ts";
import { gatewayUrlProblem, loadAgentConfig } from "../config/index.ts";
import { writeEnrolledGate } from "../daemon/initial-restore-gate.ts";
import { postEnrollment } from "../enroll/post-enrollment.ts";
import { writeIdentity } from "../identity/write-identity.ts";
import type { AgentContext } from "../runtime/agent-context.ts";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import { pathExists } from "../runtime/fs-checks.ts";

export interface EnrollCommand {
  agentConfig?: string;
  token?: string;
  gateway?: string;
  force: boolean;
}

/**
 * `enroll`: generates this VM's identity (Ed25519) and sealing (X25519) key pairs, trades the one-time
 * token and the public halves for a VM id at the gateway's /enroll, and writes the identity file (0600)
 * and the initial-restore gate (pending when the control plane will restore a resubscribed customer's data).
 * The private keys never leave the VM. Everything that can be checked locally is checked before the token
 * is spent: a refused overwrite or an unwritable directory must not burn it.
 */
export async function enrollAgent(ctx: AgentContext, cmd: EnrollCommand): Promise<ExitCode> {
  const config = await loadAgentConfig({ configPath: cmd.agentConfig, env: ctx.env, homeDir: ctx.homeDir, cwd: ctx.cwd });
  const token = cmd.token ?? ctx.env.NACRE_ENROLL_TOKEN;
  if (token === undefined || token === "") throw usage("enroll needs the one-time enrollment token: --token T (or $NACRE_ENROLL_TOKEN)");
  const gatewayUrl = cmd.gateway ?? config.gatewayUrl;
  if (gatewayUrl === undefined) {
    throw new CliError("E_NO_GATEWAY", `no gateway to enroll with — pass --gateway wss://…/agent or set gatewayUrl in ${config.configPath}`, ExitCode.config);
  }
  const problem = cmd.gateway === undefined ? undefined : gatewayUrlProblem(cmd.gateway);
  if (problem !== undefined) throw usage(`--gateway ${problem}`);
  const file = config.identityFile;
  if (!cmd.force && (await pathExists(file))) {
    throw new CliError(
      "E_IDENTITY_EXISTS",
      `this VM is already enrolled (${file} exists) — pass --force to enroll again and replace it; the old identity stops working for this VM`,
      ExitCode.usage,
    );
  }
  await probeWritable(dirname(file));

  const identity = generateSigningKeyPair();
  const sealing = generateSealingKeyPair();
  ctx.out.info(`enrolling with ${gatewayUrl}`, { gatewayUrl });
  const enrolled = await postEnrollment({
    gatewayUrl,
    token,
    identityKey: exportPublicKey(identity.publicKey),
    sealingKey: exportPublicKey(sealing.publicKey),
    agentVersion: ctx.version,
    signal: ctx.signal,
  });
  // The gate first: an identity without it would read as "enrolled before initial restores existed",
  // which would let the app start before a pending restore.
  const gate = await writeEnrolledGate(config.stateDir, enrolled.initialRestore, ctx.now());
  await writeIdentity(file, {
    v: 1,
    vmId: enrolled.vmId,
    gatewayUrl,
    identityPrivateKey: exportPrivateKey(identity.privateKey),
    sealingPrivateKey: exportPrivateKey(sealing.privateKey),
    controlPlaneKey: enrolled.controlPlaneKey,
  });
  ctx.out.info(`enrolled as VM ${enrolled.vmId}; identity written to ${file}`, { vmId: enrolled.vmId, identityFile: file, initialRestore: gate });
  if (gate === "pending") ctx.out.info("the control plane will restore this customer's last snapshot here; `nacre-agent wait-ready` holds the app until it is done", { event: "initial-restore.pending" });
  ctx.out.result(`enrolled: VM ${enrolled.vmId} (identity in ${file}); start the agent with: nacre-agent run`);
  return ExitCode.ok;
}

/** Creates the directory (0700) and writes and removes a probe file, so a read-only disk fails before the token is used. */
async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.enroll-probe.${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(probe, "wx", 0o600);
    await handle.close();
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError("E_IDENTITY_WRITE", `cannot write the identity file into ${dir} (${code}) — run enroll as the agent's user (root on a VM), or set identityFile/stateDir in the agent config`, ExitCode.source, { cause: error });
  }
}

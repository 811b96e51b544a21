import { setTimeout as sleep } from "node:timers/promises";
import { loadAgentConfig } from "../config/index.ts";
import { readGate } from "../daemon/initial-restore-gate.ts";
import type { GateFile } from "../daemon/initial-restore-gate.ts";
import type { AgentContext } from "../runtime/agent-context.ts";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import { pathExists } from "../runtime/fs-checks.ts";

const POLL_MS = 500;
const REMIND_EVERY_MS = 60_000;

export interface WaitReadyCommand {
  agentConfig?: string;
  timeoutSeconds: number;
}

/**
 * `wait-ready`: the app's ExecStartPre on a Nacre VM. Returns at once (exit 0) on a VM with nothing to
 * wait for; on a fresh VM of a resubscribed customer it waits until the daemon has put the restored data
 * in place, or the control plane said no restore will come (given up: a warning, still exit 0, so the
 * customer's assistant starts). It reads only the agent's state files, so it needs no network and never
 * hangs on a control plane that is down: after --timeout it exits 11 (E_WAIT_READY_TIMEOUT), which the
 * unit's `ExecStartPre=-…` turns into "start anyway" (docs/agent-install.md).
 */
export async function waitReady(ctx: AgentContext, cmd: WaitReadyCommand): Promise<ExitCode> {
  const { out, signal } = ctx;
  const config = await loadAgentConfig({ configPath: cmd.agentConfig, env: ctx.env, homeDir: ctx.homeDir, cwd: ctx.cwd });
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  let waitingFor = "";
  let remindAt = 0;
  for (;;) {
    const gate = await readGateOrExplain(config.stateDir, (message) => out.warn("W_STATE_CORRUPT", message));
    const enrolled = gate !== undefined || (await pathExists(config.identityFile));
    if (gate === undefined && enrolled) {
      out.result("ready: this VM was enrolled without an initial restore; nothing to wait for");
      return ExitCode.ok;
    }
    if (gate !== undefined && gate.state !== "pending") return done(ctx, gate);
    const before = waitingFor;
    waitingFor = gate === undefined ? "enrollment" : "the initial restore";
    if (before !== waitingFor || Date.now() >= remindAt) {
      out.info(gate === undefined
        ? `waiting for this VM to be enrolled (no ${config.identityFile} yet)`
        : "waiting for the initial restore: the control plane restores this customer's last snapshot before the app first starts", { event: "wait-ready.waiting", for: waitingFor });
      remindAt = Date.now() + REMIND_EVERY_MS;
    }
    if (Date.now() >= deadline) {
      throw new CliError(
        "E_WAIT_READY_TIMEOUT",
        `still waiting for ${waitingFor} after ${cmd.timeoutSeconds} s — the app starts without its restored data only if its unit says ExecStartPre=-…; check \`journalctl -u nacre-agent\` and the control plane (docs/runbooks/restore.md)`,
        ExitCode.notReady,
      );
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}

function done(ctx: AgentContext, gate: GateFile): ExitCode {
  if (gate.state === "restored") ctx.out.result(`ready: the initial restore put this customer's data in place (restore ${gate.restoreId ?? "?"})`);
  else if (gate.state === "not-needed") ctx.out.result("ready: there is no restore to wait for");
  else {
    ctx.out.warn("W_INITIAL_RESTORE_FAILED", `the initial restore was given up: ${gate.message ?? "no reason given"} — the app starts on this VM's own data; support can restore later`);
    ctx.out.result("ready: the initial restore was given up (see the warning above)");
  }
  return ExitCode.ok;
}

async function readGateOrExplain(stateDir: string, onCorrupt: (message: string) => void): Promise<GateFile | undefined> {
  try {
    return await readGate(stateDir, onCorrupt);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError("E_STATE_UNREADABLE", `cannot read the agent's state in ${stateDir} (${code}) — run wait-ready as root (ExecStartPre=+… in a unit with User=)`, ExitCode.config, { cause: error });
  }
}

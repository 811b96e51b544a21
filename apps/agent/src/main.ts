// The agent's composition root: the only module that reads process.env, argv and the real clock.
import { homedir } from "node:os";
import { parseCommand, type Command } from "./cli/parse-command.ts";
import { USAGE } from "./cli/usage.ts";
import { backupDaemon } from "./commands/backup-daemon.ts";
import { backupList } from "./commands/backup-list.ts";
import { backupNow } from "./commands/backup-now.ts";
import { backupRestore } from "./commands/backup-restore.ts";
import { backupStatus } from "./commands/backup-status.ts";
import { backupVerify } from "./commands/backup-verify.ts";
import { decryptFile } from "./commands/decrypt-file.ts";
import { enrollAgent } from "./commands/enroll-agent.ts";
import { runAgent } from "./commands/run-agent.ts";
import { waitReady } from "./commands/wait-ready.ts";
import type { AgentContext } from "./runtime/agent-context.ts";
import { classifyError } from "./runtime/classify-error.ts";
import { ExitCode } from "./runtime/cli-error.ts";
import { Output } from "./runtime/output.ts";

declare const NACRE_AGENT_VERSION: string | undefined;
const version = typeof NACRE_AGENT_VERSION === "string" ? NACRE_AGENT_VERSION : "0.0.0-dev";

/** Runs one command and returns its exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const out = new Output(process.stdout, process.stderr, process.stderr.isTTY === true);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const ctx: AgentContext = { env: process.env, homeDir: homedir(), cwd: process.cwd(), out, now: () => new Date(), signal: abort.signal, version };
  try {
    return await dispatch(ctx, parseCommand(argv));
  } catch (err) {
    const e = abort.signal.aborted ? classifyError(Object.assign(new Error("interrupted"), { code: "ABORT_ERR" })) : classifyError(err);
    out.error(e.code, e.message);
    if (e.exitCode === ExitCode.internal && err instanceof Error && err.stack) out.stderr.write(`${err.stack}\n`);
    return e.exitCode;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function dispatch(ctx: AgentContext, cmd: Command): Promise<number> {
  switch (cmd.name) {
    case "help":
      ctx.out.result(USAGE);
      return Promise.resolve(ExitCode.ok);
    case "version":
      ctx.out.result(`nacre-agent ${ctx.version}`);
      return Promise.resolve(ExitCode.ok);
    case "backup.now":
      return backupNow(ctx, cmd);
    case "backup.list":
      return backupList(ctx, cmd);
    case "backup.status":
      return backupStatus(ctx, cmd);
    case "backup.restore":
      return backupRestore(ctx, cmd);
    case "backup.verify":
      return backupVerify(ctx, cmd);
    case "backup.daemon":
      return backupDaemon(ctx, cmd);
    case "decrypt":
      return decryptFile(ctx, cmd);
    case "enroll":
      return enrollAgent(ctx, cmd);
    case "run":
      return runAgent(ctx, cmd);
    case "wait-ready":
      return waitReady(ctx, cmd);
  }
}

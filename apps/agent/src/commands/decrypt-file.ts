import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { openSnapshotStream, readKeyFile, unwrapDataKey, type DecryptionKey } from "@nacre/snapshot";
import type { AgentContext } from "../runtime/agent-context.ts";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import { Progress } from "../runtime/progress.ts";
import { decryptionKeyFor } from "../services/keys-from-config.ts";
import { loadAgent } from "../services/load-agent.ts";

interface DecryptCommand {
  config?: string;
  file: string;
  output?: string;
  passphraseEnv?: string;
  keyFile?: string;
  customerKeyFile?: string;
}

/**
 * `decrypt <file> [-o out.tar]`: an exported or downloaded backup to a plain tar that ordinary tools
 * open. The tar is written to `<out>.partial` and renamed only once the whole file has been
 * authenticated, so a tampered or truncated backup leaves nothing behind.
 */
export async function decryptFile(ctx: AgentContext, cmd: DecryptCommand): Promise<ExitCode> {
  const input = resolve(ctx.cwd, cmd.file);
  const size = await stat(input).then(
    (s) => s.size,
    () => {
      throw new CliError("E_INPUT_MISSING", `cannot read ${input} — check the path`, ExitCode.usage);
    },
  );
  const toStdout = cmd.output === "-";
  const output = toStdout ? null : resolve(ctx.cwd, cmd.output ?? `${cmd.file}.tar`);
  if (output && (await stat(output).then(() => true, () => false))) {
    throw new CliError("E_OUTPUT_EXISTS", `${output} already exists — choose another name with -o, nothing was overwritten`, ExitCode.usage);
  }

  const progress = new Progress(ctx.out, "decrypt", size);
  let read = 0;
  const source = createReadStream(input);
  source.on("data", (c) => progress.update((read += c.length)));
  const opened = await openSnapshotStream(source, { key: () => keyFor(ctx, cmd) });
  if (!output) {
    await pipeline(opened.tar, ctx.out.stdout, { end: false });
    return ExitCode.ok;
  }
  const partial = `${output}.partial`;
  try {
    await pipeline(opened.tar, createWriteStream(partial, { flags: "wx", mode: 0o600 }));
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  progress.finish();
  ctx.out.result(`decrypted ${input} → ${output} (${opened.encrypted ? "authenticated" : "not encrypted"}, ${opened.compression})`);
  return ExitCode.ok;
}

/** The key from the flags, else from the config's encryption section. */
async function keyFor(ctx: AgentContext, cmd: DecryptCommand): Promise<DecryptionKey> {
  if (cmd.passphraseEnv) {
    const passphrase = ctx.env[cmd.passphraseEnv];
    if (!passphrase) throw new CliError("E_USAGE", `environment variable ${cmd.passphraseEnv} is not set — export it or use --key-file`, ExitCode.usage);
    return { passphrase };
  }
  if (cmd.keyFile) return { passphrase: await readKeyFile(resolve(ctx.cwd, cmd.keyFile)) };
  if (cmd.customerKeyFile) {
    const customerKey = await readCustomerKey(resolve(ctx.cwd, cmd.customerKeyFile));
    return { unwrap: async (_keyId, wrapped) => unwrapDataKey(customerKey, wrapped) };
  }
  const { config } = await loadAgent(ctx, cmd.config);
  const fromConfig = decryptionKeyFor(config.encryption);
  if (!fromConfig) throw new CliError("E_KEY_REQUIRED", "this backup is encrypted and the config has encryption off — pass --passphrase-env, --key-file or --customer-key-file", ExitCode.config);
  return fromConfig();
}

/** A customer key file as support hands it out: 32 bytes as 64 hex characters (or base64). */
async function readCustomerKey(path: string): Promise<Uint8Array> {
  const text = (await readKeyFile(path)).trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (bytes.length !== 32) throw new CliError("E_KEYFILE_FORMAT", `${path} must hold a 32-byte customer key as 64 hex characters or base64`, ExitCode.config);
  return bytes;
}

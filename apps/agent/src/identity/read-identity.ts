import { open } from "node:fs/promises";
import { importPrivateKey, importPublicKey, isKeyError } from "@nacre/core";
import { CliError, ExitCode } from "../runtime/cli-error.ts";
import { IdentityFile } from "./identity-file.ts";
import type { AgentIdentity } from "./identity-file.ts";

/**
 * Reads the identity file `enroll` wrote. Like ssh with private keys, a file that group or others can
 * read is refused (E_IDENTITY_PERMISSIONS): anyone who reads it can impersonate the VM and open its grants.
 */
export async function readIdentity(path: string): Promise<AgentIdentity> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new CliError("E_NOT_ENROLLED", `no identity file at ${path} — enroll this VM first: nacre-agent enroll --token <token>`, ExitCode.config, { cause: error });
    }
    throw new CliError("E_IDENTITY_READ", `cannot open the identity file ${path} (${code ?? String(error)}) — run the agent as the file's owner`, ExitCode.config, { cause: error });
  }
  let text: string;
  try {
    // fstat on the open handle, not stat on the path: the file checked is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw corrupt(path, "it is not a regular file");
    if ((stats.mode & 0o077) !== 0) {
      throw new CliError(
        "E_IDENTITY_PERMISSIONS",
        `the identity file ${path} is readable by group/others (mode ${(stats.mode & 0o777).toString(8)}) — run chmod 600 ${path}; ` +
          "if others may have read it, re-enroll the VM (nacre-agent enroll --token <token> --force)",
        ExitCode.config,
      );
    }
    text = await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
  return parseIdentity(path, text);
}

function parseIdentity(path: string, text: string): AgentIdentity {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(path, "it is not valid JSON");
  }
  const parsed = IdentityFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(path, `${issue?.path.join(".") || "(top level)"}: ${issue?.message ?? "invalid"}`);
  }
  const file = parsed.data;
  try {
    return {
      path,
      vmId: file.vmId.toLowerCase(),
      gatewayUrl: file.gatewayUrl,
      identityKey: importPrivateKey(file.identityPrivateKey, "ed25519"),
      sealingKey: importPrivateKey(file.sealingPrivateKey, "x25519"),
      controlPlaneKey: importPublicKey(file.controlPlaneKey, "ed25519"),
    };
  } catch (error) {
    if (isKeyError(error)) throw corrupt(path, error.message.replace(/^E_[A-Z_]+: /, ""));
    throw error;
  }
}

function corrupt(path: string, why: string): CliError {
  return new CliError(
    "E_IDENTITY_CORRUPT",
    `the identity file ${path} cannot be used: ${why} — restore it from where it was saved, or re-enroll the VM (nacre-agent enroll --token <token> --force)`,
    ExitCode.config,
  );
}

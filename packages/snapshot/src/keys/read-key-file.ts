// Key files hold the passphrase as text (OpenClaw style: `openssl rand -base64 32 > key`). Like ssh
// with private keys, a key file others can read or write is refused: readable means the backups are
// only as private as the box's other accounts, writable means someone could swap in their own key.
import { open } from "node:fs/promises";

export type KeyFileErrorCode =
  | "E_KEYFILE_MISSING"
  | "E_KEYFILE_PERMISSIONS"
  | "E_KEYFILE_EMPTY"
  | "E_KEYFILE_UNREADABLE"
  | "E_KEYFILE_ENCODING";

export class KeyFileError extends Error {
  readonly code: KeyFileErrorCode;

  constructor(code: KeyFileErrorCode, message: string, cause?: unknown) {
    super(`${code}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = "KeyFileError";
    this.code = code;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Read the passphrase from a key file that only its owner can read and write. */
export async function readKeyFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new KeyFileError("E_KEYFILE_MISSING", `key file ${path} does not exist — check backup.encryption.keyFile`, error);
    }
    throw new KeyFileError("E_KEYFILE_UNREADABLE", `key file ${path} cannot be opened (${code ?? "error"}) — check its owner and path`, error);
  }
  try {
    // fstat on the open handle, not stat on the path: the file checked is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new KeyFileError("E_KEYFILE_UNREADABLE", `key file ${path} is not a regular file — point backup.encryption.keyFile at the file itself`);
    }
    if ((stats.mode & 0o077) !== 0) {
      throw new KeyFileError(
        "E_KEYFILE_PERMISSIONS",
        `key file ${path} is readable by group/others — run chmod 600 ${path}`,
      );
    }
    const bytes = await handle.readFile();
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch (error) {
      // Lossy decoding would silently turn distinct binary keys into the same passphrase.
      throw new KeyFileError("E_KEYFILE_ENCODING", `key file ${path} is not UTF-8 text — store the passphrase as text (e.g. openssl rand -base64 32)`, error);
    }
    // Editors and `echo` add one newline; anything beyond that is part of the passphrase.
    const passphrase = text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
    if (passphrase.length === 0) {
      throw new KeyFileError("E_KEYFILE_EMPTY", `key file ${path} is empty — write the passphrase into it (e.g. openssl rand -base64 32 > ${path})`);
    }
    return passphrase;
  } finally {
    await handle.close();
  }
}

import { readKeyFile, type DecryptionKey, type EncryptionKey } from "@nacre/snapshot";
import type { ResolvedConfig } from "../config/index.ts";

type EncryptionConfig = ResolvedConfig["encryption"];

/** The key a new backup is written with: the passphrase itself, or the one held in the key file. */
export async function encryptionKeyFor(enc: EncryptionConfig): Promise<EncryptionKey | null> {
  if (!enc.enabled) return null;
  if (enc.keyFile) return { mode: "keyfile", passphrase: await readKeyFile(enc.keyFile), iterations: enc.iterations };
  return { mode: "passphrase", passphrase: enc.passphrase!, iterations: enc.iterations };
}

/**
 * The key to read backups with. Lazy, so reading an unencrypted backup never touches the key file,
 * and undefined when the config has encryption off (an encrypted backup then fails with E_KEY_REQUIRED).
 */
export function decryptionKeyFor(enc: EncryptionConfig): (() => Promise<DecryptionKey>) | undefined {
  if (!enc.enabled) return undefined;
  return async () => ({ passphrase: enc.keyFile ? await readKeyFile(enc.keyFile) : enc.passphrase! });
}

// Public shapes of the snapshot format API. Kept apart from the code so that callers (agent, CLI,
// browser decryptor) can import the types without pulling in node:crypto.

export type KeyMode = "passphrase" | "keyfile" | "managed";
export type ContentType = "tar+zstd" | "tar+gzip";

/** What the writer needs: a passphrase (or key-file contents), or a managed data key and its wrapping. */
export type EncryptionKey =
  | { mode: "passphrase" | "keyfile"; passphrase: string; iterations?: number }
  | { mode: "managed"; keyId: string; dataKey: Uint8Array; wrappedKey: Uint8Array };

/**
 * What the reader needs. A passphrase opens passphrase and key-file snapshots; `unwrap` opens managed
 * ones by turning the header's wrapped key into the 32-byte data key (usually a control-plane call).
 */
export type DecryptionKey =
  | { passphrase: string }
  | { unwrap: (keyId: string, wrappedKey: Uint8Array) => Promise<Uint8Array> };

export interface SnapshotHeader {
  version: number;
  suite: number;
  keyMode: KeyMode;
  contentType: ContentType;
  /** Plaintext bytes per chunk record. */
  chunkSize: number;
  fileSalt: Uint8Array;
  /** PBKDF2 iterations (passphrase and keyfile modes). */
  iterations?: number;
  /** Customer key id (managed mode). */
  keyId?: string;
  /** AES-256-KW wrapped data key (managed mode). */
  wrappedKey?: Uint8Array;
  /** Header length in bytes; the first record starts here. */
  byteLength: number;
}

export interface EncryptOptions {
  key: EncryptionKey;
  contentType: ContentType;
  chunkSize?: number;
  /** Fixed salt for tests and test vectors only: a reused salt reuses the file keys. */
  fileSalt?: Uint8Array;
}

export interface DecryptOptions {
  key: DecryptionKey;
  /** Called once the header has been authenticated, before any plaintext. */
  onHeader?: (header: SnapshotHeader) => void;
}
